// Module ScanIO: see README.md, "Architecture".
enum ScanIOModule {}

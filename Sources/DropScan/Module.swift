// Module DropScan: see README.md, "Architecture".
enum DropScanModule {}

// Module Report: see README.md, "Architecture".
enum ReportModule {}

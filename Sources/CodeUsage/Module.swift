// Module CodeUsage: see README.md, "Architecture".
enum CodeUsageModule {}

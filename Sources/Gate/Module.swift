// Module Gate: see README.md, "Architecture".
enum GateModule {}

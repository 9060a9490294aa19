// Module PostgresLog: see README.md, "Architecture".
enum PostgresLogModule {}

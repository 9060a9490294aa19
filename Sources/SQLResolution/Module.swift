// Module SQLResolution: see README.md, "Architecture".
enum SQLResolutionModule {}

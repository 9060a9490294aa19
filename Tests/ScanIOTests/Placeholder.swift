import Testing

@testable import ScanIO

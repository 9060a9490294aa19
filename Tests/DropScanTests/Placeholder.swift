import Testing

@testable import DropScan

import Testing

@testable import SQLResolution

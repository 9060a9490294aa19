import Testing

@testable import CodeUsage

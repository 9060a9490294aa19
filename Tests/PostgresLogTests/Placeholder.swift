import Testing

@testable import PostgresLog

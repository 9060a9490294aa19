import Testing

@testable import CodeUsage

/// Snippets keep the code and lose the secrets. Every key below is fake but has the shape of a real one
/// (AWS's and Azure's documented example keys, jwt.io's example token, card networks' test numbers).
@Suite struct SecretMaskingTests {
    static let jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    static let azurite = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    @Test(arguments: [
        // Cloud keys.
        (
            #"client = boto3.client("s3", "AKIAIOSFODNN7EXAMPLE")  # legacy_status export"#,
            #"client = boto3.client("s3", "AKIA***")  # legacy_status export"#
        ),
        (#"sts = ("ASIAY34FZKBOKMUTVV7A", legacy_status)"#, #"sts = ("ASIA***", legacy_status)"#),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = ***"
        ),
        (
            #"aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"  # legacy_status"#,
            #"aws_access_key_id = "***"  # legacy_status"#
        ),
        (
            #"maps = load("AIzaSyEXAMPLEexample0123456789EXAMPLEex", legacy_status)"#,
            #"maps = load("AIza***", legacy_status)"#
        ),
        (
            #"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "client_email": "x@y.iam.gserviceaccount.com"}"#,
            #"{"private_key": "***", "client_email": "x@y.iam.gserviceaccount.com"}"#
        ),
        (
            "conn = \"DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=\(azurite);\"",
            "conn = \"DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=***;\""
        ),
        (#"blob("devstoreaccount1", "\#(azurite)")"#, #"blob("devstoreaccount1", "***")"#),
        // Tokens.
        (
            #"fetch(u, { headers: { Authorization: "Bearer ghp_EXAMPLE0123456789abcdefghijklmnopqrs" } })"#,
            #"fetch(u, { headers: { Authorization: "Bearer ghp_***" } })"#
        ),
        (
            "git clone https://github_pat_" + String(repeating: "A1b2", count: 20) + "x_yz@github.com/o/r",
            "git clone https://github_pat_***@github.com/o/r"
        ),
        (#"gitlab(glpat-EXAMPLEexample012345, legacy_status)"#, #"gitlab(glpat-***, legacy_status)"#),
        (
            #"slack.post("xoxb-1234567890-1234567890123-EXAMPLEexampleEXAMPLEexam", order.legacy_status)"#,
            #"slack.post("xoxb-***", order.legacy_status)"#
        ),
        (
            "charge(sk_live_EXAMPLEexample0123456789, order.legacy_status)",
            "charge(sk_live_***, order.legacy_status)"
        ),
        ("refund(rk_live_EXAMPLEexample0123456789)", "refund(rk_live_***)"),
        (#"Stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc""#, #"Stripe.api_key = "***""#),
        (
            #"curl -H "Authorization: Bearer \#(jwt)" /orders?legacy_status=1"#,
            #"curl -H "Authorization: Bearer ***" /orders?legacy_status=1"#
        ),
        // Private keys: the armour stays, the key goes.
        (
            #"pem = "-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-----END OPENSSH PRIVATE KEY-----""#,
            #"pem = "-----BEGIN OPENSSH PRIVATE KEY-----***-----END OPENSSH PRIVATE KEY-----""#
        ),
        (#"cert = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg"#, #"cert = "-----BEGIN EC PRIVATE KEY-----***"#),
        // Card numbers.
        (
            "INSERT INTO orders (card_number, legacy_status) VALUES ('4111 1111 1111 1111', 'open');",
            "INSERT INTO orders (card_number, legacy_status) VALUES ('***', 'open');"
        ),
        (
            "INSERT INTO orders (card_number, legacy_status) VALUES ('5555-5555-5555-4444', 'open');",
            "INSERT INTO orders (card_number, legacy_status) VALUES ('***', 'open');"
        ),
        (
            "INSERT INTO orders (card_number, legacy_status) VALUES (378282246310005, 'open');",
            "INSERT INTO orders (card_number, legacy_status) VALUES (***, 'open');"
        ),
        ("card 6011 1111 1111 1117 12 legacy_status", "card *** 12 legacy_status"),
        // Passwords and connection strings.
        (
            #"conn = psycopg2.connect(host="db", password="hunter2")"#,
            #"conn = psycopg2.connect(host="db", password="***")"#
        ),
        ("ALTER ROLE app PASSWORD 'hunter2'; -- legacy_status", "ALTER ROLE app PASSWORD '***'; -- legacy_status"),
        (
            #"PGPASSWORD=hunter2 psql -h db -c "SELECT legacy_status FROM orders""#,
            #"PGPASSWORD=*** psql -h db -c "SELECT legacy_status FROM orders""#
        ),
        (
            #"psql "postgres://app:s3cr3t@db.internal/shop" -c 'SELECT legacy_status FROM orders'"#,
            #"psql "postgres://app:***@db.internal/shop" -c 'SELECT legacy_status FROM orders'"#
        ),
        (#"DATABASE_URL = "postgresql://app:p@ss@db/shop""#, #"DATABASE_URL = "postgresql://app:***@db/shop""#),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("Server=db;Database=shop;User Id=app;Password=hunter2;", "Server=db;Database=shop;User Id=app;Password=***;"),
        ("password: hunter2", "password: ***"),
        (#""password": "correct horse battery staple","#, #""password": "***","#),
        ("{ password: 'hunter2', legacy_status: 1 }", "{ password: '***', legacy_status: 1 }"),
        (#"if password == "hunter2":"#, #"if password == "***":"#),
        (
            #"mysql --password=hunter2 -e "SELECT legacy_status FROM orders""#,
            #"mysql --password=*** -e "SELECT legacy_status FROM orders""#
        ),
        (
            #"url = "https://example.com/export?token=abc123&legacy_status=1""#,
            #"url = "https://example.com/export?token=***&legacy_status=1""#
        ),
    ])
    func secretsAreMaskedAndTheCodeStays(line: String, expected: String) {
        #expect(Snippet.make(fromLine: line) == expected)
    }

    @Test(arguments: [
        // Names and values that only look like secrets.
        #"password = request.form["password"]"#,
        #"password = os.environ["PGPASSWORD"]"#,
        #"password: ENV.fetch("DB_PASSWORD")"#,
        "user.update!(reset_password_token: nil, legacy_status: 'x')",
        "{ key: 'legacy_status', label: 'Legacy status' }",
        #"token_type: "bearer", legacy_status: 1"#,
        "SELECT api_key, legacy_status FROM accounts WHERE api_key = $1",
        "t.string :password_digest # legacy_status",
        #"psql "postgres://app@db.internal:5432/shop" -c 'SELECT legacy_status FROM orders'"#,
        #"DATABASE_URL = "postgres://db:5432/shop""#,
        #"password = "${DB_PASSWORD}""#,
        #"password = "$PGPASSWORD""#,
        // Numbers that are no card: the Luhn check fails, no network's range, a decimal, part of a word.
        "UPDATE orders SET legacy_status = 'x' WHERE id = 4111111111111112;",
        "SELECT legacy_status FROM orders WHERE created_ms > 1700000000004",
        "SELECT legacy_status FROM orders WHERE stamp = 20240501000002",
        "SELECT legacy_status FROM orders WHERE ratio = 0.4111111111111111",
        "SELECT legacy_status FROM orders_4111111111111111",
        // Shapes cut short: a key id of 15 characters, a token body too short.
        #"client("AKIAIOSFODNN7EXAMPL", legacy_status)"#,
        "ghp_short legacy_status",
        // A private key header without "PRIVATE KEY" is a certificate.
        #"pem = "-----BEGIN CERTIFICATE-----MIIBszCCAVmgAwIBAgIU-----END CERTIFICATE-----""#,
    ])
    func lookalikesStayAsWritten(line: String) {
        #expect(Snippet.make(fromLine: line) == line)
    }

    @Test func aSecretPastTheVisiblePartOfALongLineIsStillMasked() {
        // The token straddles the 200th character: what is shown of it is masked.
        let line =
            "SELECT legacy_status FROM orders -- " + String(repeating: "x", count: 150) + " ghp_"
            + "EXAMPLE0123456789abcdefghijklmnopqrs"
        let snippet = Snippet.make(fromLine: line)
        #expect(snippet.count == 194)
        #expect(snippet.hasSuffix(" ghp_***"))
    }

    @Test func aMegabyteLineIsMaskedInItsWindowOnly() {
        let line =
            "SELECT legacy_status FROM orders WHERE pw = 'x' -- password='hunter2' "
            + String(repeating: "ab1 ", count: 256 * 1024)
        let snippet = Snippet.make(fromLine: line)
        #expect(snippet.count == 200)
        #expect(snippet.contains("password='***'"))
        #expect(!snippet.contains("hunter2"))
    }
}

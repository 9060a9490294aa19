import Catalog
import Matching
import ModelIndex
import Testing

@testable import CodeUsage

/// Scoping fed by the model index: name rarity, models the index maps to the table, attribute names.
@Suite struct IndexScopingTests {
    /// Two models with a `body` (common), a `checksum` only pings have (rare), and a renamed attribute.
    static let models: [(String, String)] = [
        (
            "pings/models.py",
            """
            class Ping(models.Model):
                body = models.TextField()
                checksum = models.CharField(max_length=64)
                owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)

                class Meta:
                    db_table = "pings"

            class Message(models.Model):
                body = models.TextField()

                class Meta:
                    db_table = "messages"
            """
        ),
        (
            "shop/models.py",
            """
            class Product(Base):
                __tablename__ = "products"
                _image_url = Column("image_url", String)
            """
        ),
    ]

    static func catalog() -> Catalog {
        var part = IndexPart()
        for (path, text) in models {
            Array(text.utf8).withUnsafeBytes { ModelIndex.read(path: path, bytes: $0, into: &part) }
        }
        return ModelIndex.build(part)
    }

    func scanner(_ target: String, indexed: Bool = true) throws -> CodeScanner {
        try CodeScanner(
            targets: [try Target(parsing: target)], library: try bundledLibrary(),
            catalog: indexed ? Self.catalog() : nil)
    }

    @Test func aRareNameIsAUseWhereverItIsAnIdentifier() throws {
        let text = "def verify(record):\n    return record.checksum == expected\n"
        // Without the index the file names neither `pings` nor `Ping`: only possible.
        #expect(
            brief(scanText(try scanner("pings.checksum", indexed: false), path: "util.py", text).findings[0]) == [
                "2:code.member-access:possible"
            ])
        #expect(
            brief(scanText(try scanner("pings.checksum"), path: "util.py", text).findings[0]) == [
                "2:code.member-access:probable"
            ])
    }

    @Test func aCommonNameNeedsTheModelOnTheLineOrAround() throws {
        let text = """
            from pings.models import Ping, Message

            def show(request):
                ping = Ping.objects.get(id=1)
                shown = ping.body
                message = Message.objects.get(id=1)
                other = message.body
                context = {"body": shown}
                Message(body="hi").save()
                Ping(body="hi").save()
            """
        let findings = scanText(try scanner("pings.body"), path: "views.py", text).findings[0]
        #expect(
            brief(findings) == [
                "10:code.identifier:probable",  // the constructor of the model
                "5:code.member-access:confirmed",  // a receiver named after the model
                "7:code.member-access:not-a-use",  // another model's receiver
                "8:code.string-key:possible",  // the file names Ping, but `body` is common: no scoping evidence
                "9:code.identifier:not-a-use",  // another model's constructor
            ])
    }

    @Test func serializersAndFactoriesOfTheModelScopeACommonName() throws {
        let serializers = """
            class PingSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Ping
                    fields = ["id", "body"]

            class MessageSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Message
                    fields = ["id", "body"]
            """
        let serialized = scanText(try scanner("pings.body"), path: "serializers.py", serializers).findings[0]
        #expect(brief(serialized) == ["4:code.string-key:probable", "9:code.string-key:not-a-use"])
        // A table or search index of the model: its `Column(` and `models.` do not make it a model itself.
        let tables = """
            class PingTable(NetBoxTable):
                owner = tables.Column(linkify=True)

                class Meta(NetBoxTable.Meta):
                    model = models.Ping
                    fields = ("pk", "body")

            class PingIndex(SearchIndex):
                model = models.Ping
                fields = (
                    ("body", 100),
                )

            class MessageIndex(SearchIndex):
                model = models.Message
                fields = (
                    ("body", 100),
                )
            """
        let tabled = scanText(try scanner("pings.body"), path: "tables.py", tables).findings[0]
        #expect(
            brief(tabled) == [
                "11:code.string-key:probable", "17:code.string-key:not-a-use", "6:code.string-key:probable",
            ])
        let factory = """
            FactoryBot.define do
              factory :ping do
                body { "hello" }
              end
            end
            """
        let made = scanText(try scanner("pings.body"), path: "spec/factories/pings.rb", factory).findings[0]
        #expect(brief(made) == ["3:code.identifier:probable"])
    }

    @Test func theDeclarationOfADroppedTablesModelIsAConfirmedUse() throws {
        // Flask-SQLAlchemy: no `__tablename__`, the table is named after the class.
        let text = "class Containers(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
        var part = IndexPart()
        Array(text.utf8).withUnsafeBytes { ModelIndex.read(path: "app/models.py", bytes: $0, into: &part) }
        let scanner = try CodeScanner(
            targets: [try Target(parsing: "containers")], library: try bundledLibrary(),
            catalog: ModelIndex.build(part))
        let found = scanText(scanner, path: "app/models.py", text).findings[0]
        #expect(found.filter { $0.line == 1 }.map(\.evidence) == [.confirmed])
        // The same class elsewhere (not where the index found it) is only what its rule says.
        let copied = scanText(scanner, path: "docs/example.py", text).findings[0]
        #expect(copied.filter { $0.line == 1 }.map(\.evidence) == [.possible])
    }

    @Test func aKeywordArgumentOfAMultiLineCallIsScopedByTheCallsModel() throws {
        let text = """
            import pings.models

            ping_factory = ModelFactory(pings.models.Ping,
                                        body="hello",
                                        checksum=None)

            message_factory = ModelFactory(pings.models.Message,
                                           body="hi")

            def make():
                ping = Ping.objects.create(
                    owner=user,
                    body="x",
                )
                return dict(
                    body="free",
                )
            """
        let findings = scanText(try scanner("pings.body"), path: "tests/factories.py", text).findings[0]
        #expect(
            brief(findings) == [
                "13:code.identifier:probable",  // `Ping.objects.create(` opened on the line above
                "16:code.identifier:possible",  // `dict(`: no model
                "4:code.identifier:probable",  // the factory's model is the first argument
                "8:code.identifier:not-a-use",  // another model's factory
            ])
    }

    @Test func aKeywordArgumentIsNotACallOfAMethodOfTheSameNameDefinedInTheTree() throws {
        let files = [
            ("pings/util.py", "class Helper:\n    def body(self):\n        return 1\n"),
            (
                "tests/factories.py",
                """
                ping_factory = ModelFactory(pings.models.Ping,
                                            body="hello")
                message_factory = ModelFactory(pings.models.Message,
                                               body="hi")
                """
            ),
        ]
        let scanner = try scanner("pings.body")
        // As the pipeline does: the tree's definitions first, then the scan with them.
        var definitions = DefinedNames(targetCount: 1)
        for (path, text) in files { definitions.merge(scanText(scanner, path: path, text).definitions) }
        #expect(definitions[target: 0].map(\.kind) == [.method])
        let found = scanner.scan(
            relativePath: "tests/factories.py", bytes: Array(files[1].1.utf8), scratch: MatchScratch(),
            definitions: definitions)
        #expect(brief(found.findings[0]) == ["2:code.identifier:probable", "4:code.identifier:not-a-use"])
    }

    @Test func aKeyOfAnObjectPassedToAModelsCallIsScopedByThatModel() throws {
        let text = """
            async function connect(user) {
              await Message.create({
                service: "slack",
                body: "command",
              });
              await Ping.create({
                body: "x",
              });
            }
            """
        let findings = scanText(try scanner("pings.body"), path: "server/auth/slack.js", text).findings[0]
        #expect(brief(findings) == ["4:code.string-key:not-a-use", "7:code.string-key:probable"])
        // A model declared by a call: its attributes object is the model's own.
        let declared = """
            const Ping = sequelize.define(
              "ping",
              {
                body: { type: DataTypes.TEXT },
              },
            );
            router.post("hooks", async (ctx) => {
              ctx.body = {
                body: "help",
              };
            });
            """
        let defined = scanText(try scanner("pings.body"), path: "server/models/Ping.js", declared).findings[0]
        #expect(
            brief(defined).filter { $0.hasPrefix("4:") || $0.hasPrefix("9:") } == [
                "4:code.string-key:probable", "9:code.string-key:possible",
            ])
    }

    @Test func aReceiverBoundToAModelQueryScopesItsMembers() throws {
        let text = """
            def test_it_saves(self):
                c = Ping.objects.get()
                self.assertEqual(c.body, "x")
                m = Message.objects.get()
                self.assertEqual(m.body, "y")
                r = self.client.get("/")
                self.assertEqual(r.body, "z")
            """
        let findings = scanText(try scanner("pings.body"), path: "tests/test_save.py", text).findings[0]
        #expect(
            brief(findings) == [
                "3:code.member-access:probable", "5:code.member-access:not-a-use", "7:code.member-access:possible",
            ])
    }

    @Test func prismaDelegatesAreReadInScriptsOnly() throws {
        let python = """
            def test_no_last_ping(self):
                self.ping.delete()
                payload = mock_post.call_args.kwargs["json"]
                self.assertIn("x", payload["body"])
            """
        let scanned = scanText(try scanner("pings.body"), path: "tests/test_notify.py", python).findings[0]
        #expect(brief(scanned) == ["4:code.string-key:possible"])
    }

    @Test func aNameInsideALongerIdentifierDecidesNothing() throws {
        // `body_raw=` is another column; the only `body` on the line is in a sentence.
        let text = "ping = Ping.objects.create(owner=check, n=1, body_raw=b\"this is body\")\n"
        let findings = scanText(try scanner("pings.body"), path: "tests/test_body.py", text).findings[0]
        #expect(brief(findings) == ["1:django.chain-query:possible"])
    }

    @Test func anAttributeMappedToTheColumnIsLookedFor() throws {
        let text = "def thumbnail(product):\n    return product._image_url or DEFAULT\n"
        let findings = scanText(try scanner("products.image_url"), path: "views.py", text).findings[0]
        #expect(brief(findings) == ["2:index.member-model-attribute:probable"])
        // Django's `owner` is the column `owner_id`.
        let owner = scanText(try scanner("pings.owner_id"), path: "views.py", "print(ping.owner.email)\n")
        #expect(brief(owner.findings[0]) == ["1:index.member-model-attribute:probable"])
    }
}

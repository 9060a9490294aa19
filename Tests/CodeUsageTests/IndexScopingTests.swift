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

    @Test func anAttributeMappedToTheColumnIsLookedFor() throws {
        let text = "def thumbnail(product):\n    return product._image_url or DEFAULT\n"
        let findings = scanText(try scanner("products.image_url"), path: "views.py", text).findings[0]
        #expect(brief(findings) == ["2:index.member-model-attribute:probable"])
        // Django's `owner` is the column `owner_id`.
        let owner = scanText(try scanner("pings.owner_id"), path: "views.py", "print(ping.owner.email)\n")
        #expect(brief(owner.findings[0]) == ["1:index.member-model-attribute:probable"])
    }
}

import Catalog
import Matching
import ModelIndex
import Testing

@testable import CodeUsage

/// Scoping evidence for common names from the file's place and the calls around a line: REST route folders,
/// the application's own data-access wrappers, Django helper classes named after their model, `to_field_name`
/// with its `queryset`, and attribute names given as strings.
@Suite struct FileScopingTests {
    static func catalog(_ files: [(String, String)]) -> Catalog {
        var part = IndexPart()
        for (path, text) in files {
            Array(text.utf8).withUnsafeBytes { ModelIndex.read(path: path, bytes: $0, into: &part) }
        }
        return ModelIndex.build(part)
    }

    /// Two Prisma models with a `slug`: a common name.
    static let prisma = catalog([
        (
            "prisma/schema.prisma",
            """
            model Board {
              id   String @id
              slug String @unique
              @@map("board")
            }

            model Share {
              id   String @id
              slug String
              @@map("share")
            }
            """
        )
    ])

    /// Django: `asn` on a site (app `net/dcim`), on a provider (app `net/circuits`) and on an ASN (app `net/ipam`).
    static let django = catalog([
        ("net/dcim/models/sites.py", "class Site(models.Model):\n    asn = models.IntegerField()\n"),
        ("net/circuits/models.py", "class Provider(models.Model):\n    asn = models.IntegerField()\n"),
        ("net/ipam/models/ip.py", "class ASN(models.Model):\n    asn = models.IntegerField()\n"),
    ])

    func scan(_ target: String, _ catalog: Catalog?, path: String, _ text: String) throws -> [String] {
        let scanner = try CodeScanner(
            targets: [try Target(parsing: target)], library: try bundledLibrary(), catalog: catalog)
        return brief(scanText(scanner, path: path, text).findings[0])
    }

    @Test func aRouteFolderNamedAfterTheModelScopesTheNamesInIt() throws {
        let text = """
            export async function POST(request: Request) {
              const schema = z.object({
                slug: z.string().max(100),
              });
            }
            """
        #expect(
            try scan("board.slug", Self.prisma, path: "src/app/api/boards/route.ts", text) == [
                "3:code.string-key:probable"
            ])
        // The deepest segment that names a model decides: a board's shares are the share's.
        #expect(
            try scan("board.slug", Self.prisma, path: "src/app/api/boards/[boardId]/shares/route.ts", text) == [
                "3:code.string-key:possible"
            ])
        #expect(
            try scan("board.slug", Self.prisma, path: "src/app/api/links/route.ts", text) == [
                "3:code.string-key:possible"
            ])
        // A client of the API under `src/api/` (no handler, not a Next.js route file) is not its route.
        #expect(
            try scan("board.slug", Self.prisma, path: "web/src/api/boards.ts", "const body = {\n  slug: s,\n};\n") == [
                "2:code.string-key:possible"
            ])
        // Not under an `api/` or `routes/` folder: the folder name says nothing.
        #expect(
            try scan("board.slug", Self.prisma, path: "src/boards/schema.ts", text) == ["3:code.string-key:possible"])
    }

    @Test func routeSegmentsLeaveOutDynamicPartsVersionsAndGenericFileNames() {
        #expect(CodeScanner.routeSegments("src/app/api/boards/[boardId]/shares/route.ts") == ["shares", "boards"])
        #expect(CodeScanner.routeSegments("pages/api/v1/board-items/[id].ts") == ["board-items"])
        #expect(CodeScanner.routeSegments("server/routes/boards.js") == ["boards"])
        #expect(CodeScanner.routeSegments("src/lib/boards.ts") == [])
    }

    @Test func theApplicationsOwnWrapperScopesTheObjectItIsGiven() throws {
        let text = """
            const result = await createBoard({
              id: userId,
              slug: uuid(),
            });
            await createShare({
              slug: getRandomChars(16),
            });
            """
        #expect(
            try scan("board.slug", Self.prisma, path: "src/app/api/dashboard/route.ts", text) == [
                "3:code.string-key:probable", "6:code.string-key:not-a-use",
            ])
    }

    @Test func wrapperNamesStandForTheModelTheyEndWith() {
        #expect(
            CodeScanner.wrapperModels(on: Array("getUserBoards(id)".utf8)) == [
                "UserBoards", "UserBoard", "Boards", "Board",
            ])
        #expect(CodeScanner.wrapperModels(on: Array("x = create_board(slug=s)".utf8)) == ["Board"])
        #expect(CodeScanner.wrapperModels(on: Array("render(board)".utf8)) == [])
        #expect(CodeScanner.wrapperModels(on: Array("Board.create(slug)".utf8)) == [])
    }

    @Test func aDjangoHelperClassNamedAfterItsModelInTheModelsAppIsScopedToIt() throws {
        let text = """
            class SiteBulkEditForm(AddRemoveTagsForm, CustomFieldModelBulkEditForm):
                asn = forms.IntegerField(
                    required=False,
                )

                class Meta:
                    nullable_fields = ['region', 'asn']
            """
        #expect(
            try scan("dcim_site.asn", Self.django, path: "net/dcim/forms/bulk_edit.py", text) == [
                "2:django.model-field:probable", "7:code.string-key:probable",
            ])
        // The same class outside the app that defines `Site` names nothing of it.
        #expect(
            try scan("dcim_site.asn", Self.django, path: "net/circuits/forms/bulk_edit.py", text) == [
                "2:django.model-field:possible", "7:code.string-key:possible",
            ])
        // `Provider` is not of this app either: its form here is not scoped to it.
        let site = try info()
        #expect(CodeScanner.helperClassModel(named: "ProviderForm", path: "net/dcim/forms.py", info: site) == nil)
        #expect(
            CodeScanner.helperClassModel(named: "SiteFilterSet", path: "net/dcim/filtersets.py", info: site) == "Site")
        #expect(CodeScanner.helperClassModel(named: "SiteView", path: "net/dcim/views.py", info: site) == nil)
    }

    func info() throws -> TargetInfo {
        let target = try Target(parsing: "dcim_site.asn")
        return TargetInfo(target, facts: IndexFacts(target: target, catalog: Self.django))
    }

    @Test func toFieldNameIsAColumnOfTheQuerysetsModel() throws {
        let text = """
            class SiteFilterSet(BaseFilterSet):
                asn = django_filters.ModelMultipleChoiceFilter(
                    field_name='asns__asn',
                    queryset=ASN.objects.all(),
                    to_field_name='asn',
                )

                class Meta:
                    model = Site
                    fields = ('id', 'asn')
            """
        let found = try scan("dcim_site.asn", Self.django, path: "net/dcim/filtersets.py", text)
        #expect(found.contains("5:code.string-key:not-a-use"))
        #expect(found.contains("10:code.string-key:probable"))
    }

    @Test func aMappedAttributeNamedAsAStringIsAUseInACallThatNamesAttributes() throws {
        let models = Self.catalog([
            (
                "app/models/users.py",
                """
                class User(db.Model):
                    __tablename__ = "users"
                    _profile_image_url = Column("profile_image_url", db.String(320))
                """
            )
        ])
        let text = """
            query = Dashboard.query.options(
                joinedload(Dashboard.user).load_only(
                    "id", "name", "_profile_image_url", "email"
                )
            )
            user.save(update_fields=["_profile_image_url"])
            KEYS = {"_profile_image_url": 1}
            """
        #expect(
            try scan("users.profile_image_url", models, path: "app/models/dashboards.py", text) == [
                "3:index.attribute-name-string:probable", "6:index.attribute-name-string:probable",
                "7:index.attribute-name-string:possible",
            ])
    }

    @Test func aTableVariableIsProbableInTheTemplateNamedAfterTheTable() throws {
        let text = """
            <h1>Containers</h1>
            {% if containers %}
            {% for c in containers %}<td>{{ c.name }}</td>{% endfor %}
            <a href="{{ request.script_root }}/admin/containers/new">New</a>
            """
        let named = try scan("containers", nil, path: "themes/admin/templates/containers.html", text)
        #expect(named.contains("2:template.table-variable:probable"))
        #expect(named.contains("3:template.table-variable:probable"))
        #expect(!named.contains { $0.hasPrefix("4:template.table-variable") })
        let other = try scan("containers", nil, path: "themes/admin/templates/base.html", text)
        #expect(other.contains("3:template.table-variable:possible"))
    }
}

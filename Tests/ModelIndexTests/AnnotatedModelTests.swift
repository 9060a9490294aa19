import Catalog
import Testing

@testable import ModelIndex

@Suite struct PrismaModelTests {
    @Test func mapAndMapsNameTheTableAndColumnsAndRelationsAreNotColumns() {
        let found = catalog([
            (
                "prisma/schema.prisma",
                """
                model User {
                  id        Int      @id @default(autoincrement())
                  email     String   @unique @map("email_address")
                  posts     Post[]
                  @@map("users")
                }

                model Post {
                  id       Int  @id
                  author   User @relation(fields: [authorId], references: [id])
                  authorId Int  @map("author_id")
                }
                """
            )
        ])
        #expect(found.model("User")?.table == "users")
        #expect(found.model("User")?.mapping == ["id", "email→email_address"])
        #expect(found.model("Post")?.table == "Post")
        #expect(found.model("Post")?.mapping == ["id", "authorId→author_id"])
    }
}

@Suite struct TypeORMModelTests {
    @Test func entityColumnAndJoinColumnNames() {
        let found = catalog([
            (
                "src/entity/Ping.ts",
                """
                @Entity("pings")
                export class Ping {
                    @PrimaryGeneratedColumn()
                    id: number;

                    @Column({ name: "body_text", type: "text" })
                    body: string;

                    @Column()
                    createdBy!: string;

                    @ManyToOne(() => User)
                    @JoinColumn({ name: "owner_id" })
                    owner: User;

                    @ManyToOne(() => Team)
                    team: Team;

                    summary(): string { return this.body; }
                }

                @Entity()
                export class AuditEntry {
                    @Column() note: string;
                }
                """
            )
        ])
        #expect(found.model("Ping")?.table == "pings")
        #expect(found.model("Ping")?.mapping == ["id", "body→body_text", "createdBy", "owner→owner_id", "team→teamId"])
        #expect(found.model("AuditEntry")?.table == "audit_entry")
        #expect(found.model("AuditEntry")?.mapping == ["note"])
    }
}

@Suite struct JPAModelTests {
    @Test func tableColumnAndJoinColumnWithSpringDefaults() {
        let found = catalog([
            (
                "src/main/java/app/Order.java",
                """
                @Entity
                @Table(name = "orders")
                public class Order extends BaseEntity {
                    @Id
                    private Long id;

                    @Column(name = "legacy_status")
                    private String status;

                    private String customerNote;

                    @ManyToOne
                    @JoinColumn(name = "buyer_id")
                    private Customer customer;

                    @ManyToOne
                    private Store store;

                    @OneToMany(mappedBy = "order")
                    private List<Line> lines;

                    @Transient
                    private String scratch;

                    private static final long serialVersionUID = 1L;

                    public String getStatus() { return status; }
                }
                """
            ),
            (
                "src/main/kotlin/app/Refund.kt",
                """
                @Entity
                class RefundRequest(
                    @Column(name = "reason_code") val reason: String,
                    val amountCents: Long,
                )
                """
            ),
        ])
        let order = found.model("Order")
        #expect(order?.table == "orders")
        #expect(
            order?.mapping == [
                "id", "status→legacy_status", "customerNote→customer_note", "customer→buyer_id", "store→store_id",
            ])
        #expect(found.model("RefundRequest")?.table == "refund_request")
        #expect(found.model("RefundRequest")?.mapping == ["reason→reason_code", "amountCents→amount_cents"])
    }
}

@Suite struct GORMModelTests {
    @Test func tableNameMethodAndColumnTags() {
        let found = catalog([
            (
                "internal/store/models.go",
                """
                type UserProfile struct {
                    gorm.Model
                    DisplayName string `gorm:"column:name"`
                    UserID      uint
                    User        User
                    Scratch     string `gorm:"-"`
                }

                type Ping struct {
                    ID   uint
                    Body string `gorm:"type:text"`
                }

                func (Ping) TableName() string {
                    return "pings_v2"
                }
                """
            )
        ])
        #expect(found.model("UserProfile")?.table == "user_profiles")
        #expect(
            found.model("UserProfile")?.mapping == [
                "ID→id", "CreatedAt→created_at", "UpdatedAt→updated_at", "DeletedAt→deleted_at", "DisplayName→name",
                "UserID→user_id",
            ])
        #expect(found.model("Ping")?.table == "pings_v2")
        #expect(found.model("Ping")?.mapping == ["ID→id", "Body→body"])
    }
}

@Suite struct CatalogTests {
    @Test func rarityCountsTablesWithTheColumnFromEverySource() {
        var catalog = Catalog()
        let provenance = Provenance(kind: .schemaDump, path: "schema.sql", line: 1)
        catalog.add(
            TableFact(
                name: "pings", columns: [ColumnFact(name: "body", provenance: provenance)], provenance: provenance))
        catalog.add(
            ModelFact(
                className: "Message", file: "app/models/message.rb", line: 1, table: "messages",
                columns: [
                    ModelColumn(attribute: "body", column: "body"), ModelColumn(attribute: "_sig", column: "signature"),
                ],
                ecosystem: "rails", tableSource: "convention"))
        #expect(catalog.rarity(ofColumn: "body") == 2)
        #expect(catalog.rarity(ofColumn: "signature") == 1)
        #expect(catalog.rarity(ofColumn: "nothing") == 0)
        #expect(catalog.tables(havingColumn: "body") == ["pings", "messages"])
        #expect(catalog.attributes(ofColumn: "signature", inTable: "messages") == ["_sig"])
        #expect(catalog.mentions(table: "pings"))
        #expect(!catalog.mentions(table: "orders"))
    }

    @Test func nameRarityIsRareOnlyForAColumnOfTheTargetsTableAlone() {
        var catalog = Catalog()
        #expect(catalog.nameRarity(ofColumn: "body", inTable: "pings") == .unknown)
        let provenance = Provenance(kind: .schemaDump, path: "schema.sql", line: 1)
        catalog.add(
            TableFact(
                name: "pings",
                columns: [
                    ColumnFact(name: "body", provenance: provenance), ColumnFact(name: "n", provenance: provenance),
                ],
                provenance: provenance))
        catalog.add(
            TableFact(
                name: "messages", columns: [ColumnFact(name: "body", provenance: provenance)], provenance: provenance))
        #expect(catalog.nameRarity(ofColumn: "n", inTable: "pings") == .rare)
        #expect(catalog.nameRarity(ofColumn: "body", inTable: "pings") == .common)
        // The table known without the column (the tree after a removal): a use needs scoping evidence.
        #expect(catalog.nameRarity(ofColumn: "gone", inTable: "pings") == .common)
        // Neither the table nor the column known: naming conventions decide.
        #expect(catalog.nameRarity(ofColumn: "gone", inTable: "orders") == .unknown)
    }
}

@Suite struct SequelizeModelTests {
    @Test func defineNamesTheVariableTheTableAndTheAttributes() {
        let found = catalog([
            (
                "server/models/Collection.js",
                """
                import { DataTypes, sequelize } from "../sequelize";

                const Collection = sequelize.define(
                  "collection",
                  {
                    id: { type: DataTypes.UUID, primaryKey: true },
                    name: DataTypes.STRING,
                    // the kind of collection
                    type: {
                      type: DataTypes.STRING,
                      validate: { isIn: [["atlas", "journal"]] },
                    },
                    legacyCode: { type: DataTypes.STRING, field: "legacy_code" },
                  },
                  {
                    tableName: "collections",
                    getterMethods: {
                      url() {
                        return `/collections/${this.id}`;
                      },
                    },
                  }
                );
                export default Collection;
                """
            ),
            (
                "server/models/Integration.js",
                """
                const Integration = sequelize.define("integration", {
                  type: DataTypes.STRING,
                  events: DataTypes.ARRAY(DataTypes.STRING),
                });
                const Star = sequelize.define("star", { id: DataTypes.UUID }, { freezeTableName: true });
                """
            ),
        ])
        let collection = found.model("Collection")
        #expect(collection?.table == "collections")
        #expect(collection?.line == 3)
        #expect(collection?.mapping == ["id", "name", "type", "legacyCode→legacy_code"])
        #expect(found.model("Integration")?.table == "integrations")
        #expect(found.model("Integration")?.mapping == ["type", "events"])
        #expect(found.model("Star")?.table == "star")
        #expect(found.rarity(ofColumn: "type") == 2)
    }
}

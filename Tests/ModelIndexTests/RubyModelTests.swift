import Catalog
import Testing

@testable import ModelIndex

@Suite struct RailsModelTests {
    static let files: [(String, String)] = [
        (
            "app/models/application_record.rb",
            """
            class ApplicationRecord < ActiveRecord::Base
              self.abstract_class = true
            end
            """
        ),
        (
            "app/models/message.rb",
            """
            class Message < ApplicationRecord
              belongs_to :user
              belongs_to :author, class_name: "User", foreign_key: :written_by_id
              has_many :comments, dependent: :destroy
              self.ignored_columns += ["legacy_flag"]

              def preview
                body.truncate(20)
              end
            end
            """
        ),
        (
            "app/models/system_message.rb",
            """
            class SystemMessage < Message
            end
            """
        ),
        (
            "app/models/admin/setting.rb",
            """
            module Admin
              class Setting < ApplicationRecord
                self.table_name = "admin_settings"
              end
            end
            """
        ),
        (
            "db/schema.rb",
            """
            ActiveRecord::Schema[7.1].define(version: 2024_01_01_000000) do
              create_table "messages", force: :cascade do |t|
                t.text "body"
                t.references :user, null: false
                t.timestamps
              end

              create_table "admin_settings", id: false do |t|
                t.string "key"
              end
            end
            """
        ),
    ]

    @Test func modelsTablesAssociationsAndSingleTableInheritance() {
        let found = catalog(Self.files)
        #expect(found.model("ApplicationRecord") == nil)
        let message = found.model("Message")
        #expect(message?.table == "messages")
        #expect(message?.associations.map(\.foreignKey) == ["user_id", "written_by_id", "message_id"])
        #expect(found.model("SystemMessage")?.table == "messages")
        #expect(found.model("Admin::Setting")?.table == "admin_settings")
        #expect(found.attributes(ofColumn: "user_id", inTable: "messages") == ["user"])
        #expect(found.attributes(ofColumn: "written_by_id", inTable: "messages") == ["author"])
    }

    @Test func windowsLineEndingsChangeNothing() {
        let found = catalog(
            Self.files.map {
                ($0.0, $0.1.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
            })
        #expect(found.model("Message")?.associations.map(\.foreignKey) == ["user_id", "written_by_id", "message_id"])
        #expect(found.model("SystemMessage")?.table == "messages")
        #expect(found.model("Admin::Setting")?.table == "admin_settings")
        #expect(
            found.tables["messages"]?.columns.keys.sorted() == [
                "body", "created_at", "id", "updated_at", "user_id", "written_by_id",
            ])
    }

    @Test func schemaFileGivesColumnsWithTheirProvenance() {
        let found = catalog(Self.files)
        let columns = found.tables["messages"]?.columns.keys.sorted()
        #expect(columns == ["body", "created_at", "id", "updated_at", "user_id", "written_by_id"])
        #expect(found.tables["messages"]?.columns["body"]?.first?.provenance.kind == .schemaFile)
        #expect(found.tables["messages"]?.columns["body"]?.first?.provenance.line == 3)
        #expect(found.tables["admin_settings"]?.columns.keys.sorted() == ["key"])
    }
}

import Foundation
import Matching
import Report
import Testing

@testable import CodeUsage

@Suite struct TemplateTests {
    @Test func djangoTemplateMembersAreScopedByTheVariablesName() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let template = """
            <h1>Order {{ order.id }}</h1>
            <td>{{ order.legacy_status }}</td>
            {% if order.legacy_status == "x" %}shown{% endif %}
            <td>{{ row.legacy_status|default:"-" }}</td>
            {% for tag in customer.legacy_status.all %}{{ tag }}{% endfor %}
            <th>legacy_status</th>
            {# order.legacy_status is shown above #}
            """
        #expect(
            brief(scanText(scanner, path: "shop/templates/shop/order.html", template).findings[0]) == [
                "2:template.member-variable:probable", "3:template.member-variable:probable",
                "4:template.member-variable:possible", "5:template.member-variable:possible",
                "6:template.bare-name:possible", "7:template.bare-name:not-a-use",
            ])
    }

    @Test func theSQLBareColumnRuleDoesNotFireInTemplates() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let template = "{% block content %}\nSELECT legacy_status FROM orders\n{% endblock %}\n"
        let findings = scanText(scanner, path: "templates/report.html", template).findings[0]
        #expect(brief(findings) == ["2:template.bare-name:possible"])
        // The same text in an HTML file without template tags is not a template: the SQL rules read it.
        let plain = scanText(scanner, path: "public/report.html", "<pre>SELECT legacy_status FROM orders</pre>\n")
        #expect(brief(plain.findings[0]) == ["1:sql.column-with-table:probable"])
    }

    @Test func jinjaFilesAreTemplatesWhateverTheirContent() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let findings = scanText(scanner, path: "app/templates/list.j2", "<td>{{ orders.legacy_status }}</td>\n")
        #expect(brief(findings.findings[0]) == ["1:template.member-variable:probable"])
    }

    @Test func erbMembersAndFormFieldsAreScopedByTheVariableAndTheFormsModel() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let erb = """
            <p><%= @order.legacy_status %></p>
            <p><%= shipment.legacy_status %></p>
            <%= form_with model: @order do |f| %>
              <%= f.text_field :legacy_status %>
            <% end %>
            <%= form_with(model: @customer) do |form| %>
              <%= form.select :legacy_status, Customer::STATES %>
            <% end %>
            <%# @order.legacy_status is gone %>
            """
        #expect(
            brief(scanText(scanner, path: "app/views/orders/show.html.erb", erb).findings[0]) == [
                "1:template.member-variable:probable", "2:template.member-variable:possible",
                "4:template.form-field:probable", "7:template.form-field:possible",
                "9:template.member-variable:not-a-use",
            ])
    }

    @Test func aQueryChainInAViewKeepsItsRailsRule() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let erb = "<% Order.where(legacy_status: 'x').each do |o| %>\n"
        #expect(
            brief(scanText(scanner, path: "app/views/orders/index.html.erb", erb).findings[0]) == [
                "1:rails.chain-query:confirmed"
            ])
    }
}

@Suite struct ShebangTests {
    @Test(arguments: [
        ("#!/usr/bin/env python3\n", "py"), ("#!/usr/bin/python2.7 -u\n", "py"), ("#!/usr/bin/env ruby\n", "rb"),
        ("#!/bin/bash -e\n", "sh"), ("#!/bin/sh\n", "sh"), ("#!/usr/bin/env node\n", "js"),
        ("#!/usr/bin/env -S node --no-warnings\n", "js"), ("#!/usr/bin/env PYTHONPATH=. python3\n", "py"),
    ])
    func interpretersGiveTheirEcosystemsExtension(head: String, ext: String) {
        #expect(SourceDialect.shebangExtension(Array(head.utf8)) == ext)
    }

    @Test func unknownInterpretersAndFilesWithAnExtensionKeepTheirName() {
        #expect(SourceDialect.shebangExtension(Array("#!/usr/bin/env shellcheck\n".utf8)) == nil)
        #expect(
            SourceDialect.ruleName(forPath: "bin/x.rb", bytes: Array("#!/usr/bin/env python3\n".utf8)) == "bin/x.rb")
        #expect(SourceDialect.ruleName(forPath: "bin/sync", bytes: Array("print(1)\n".utf8)) == "bin/sync")
        #expect(
            SourceDialect.ruleName(forPath: "bin/sync", bytes: Array("#!/usr/bin/env python3\n".utf8)) == "bin/sync.py")
    }

    @Test func aScriptWithoutExtensionIsScannedWithItsEcosystemsRules() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let python = """
            #!/usr/bin/env python3
            # legacy_status is read below
            from shop.models import Order
            Order.objects.filter(legacy_status="x").update(legacy_status=None)
            """
        let result = scanText(scanner, path: "bin/cleanup", python)
        #expect(brief(result.findings[0]) == ["2:code.bare-name:not-a-use", "4:django.chain-query:confirmed"])
        #expect(result.findings[0].allSatisfy { $0.path == "bin/cleanup" })
        let ruby = "#!/usr/bin/env ruby\nOrder.where(legacy_status: nil).count\n"
        #expect(brief(scanText(scanner, path: "script/count", ruby).findings[0]) == ["2:rails.chain-query:confirmed"])
    }
}

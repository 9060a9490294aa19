import Catalog
import Foundation

/// Models declared by annotations or decorators: JPA/Hibernate (`@Entity`, `@Table(name=…)`,
/// `@Column(name=…)`, `@JoinColumn(name=…)`, `@MappedSuperclass`, `@Transient`; Java and Kotlin) and TypeORM
/// (`@Entity("…")`, `@Column({ name })`, `@JoinColumn({ name })`). Default names follow Spring Boot's
/// physical naming (snake case; a to-one relation `customer` → `customer_id`) and TypeORM's default naming
/// strategy (the table in snake case, columns as the property is named, a join column `customerId`).
enum AnnotatedModels {
    static func mightDeclare(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Bytes.contains(bytes, "@Entity") || Bytes.contains(bytes, "@MappedSuperclass")
    }

    private struct Annotation {
        var name: String
        var arguments: Substring
    }

    static func read(path: String, bytes: UnsafeRawBufferPointer, ecosystem: Ecosystem, into part: inout IndexPart) {
        var pending: [Annotation] = []
        var stack: [(declared: DeclaredClass, depth: Int)] = []
        var depth = 0
        var lines = Text.lines(bytes)[...]
        while let line = lines.popFirst() {
            var text = line.text
            if text.hasPrefix("//") || text.hasPrefix("*") || text.hasPrefix("/*") || text.hasPrefix("import ") {
                continue
            }
            // Annotations (their arguments may span lines), then what follows them on the line.
            while text.hasPrefix("@") {
                let name = String(text.dropFirst().prefix(while: { Text.isIdentifier($0) || $0 == "." }))
                var rest = text.dropFirst(1 + name.count)
                var arguments: Substring = ""
                if rest.first == "(" {
                    var joined = String(rest)
                    var balance = Text.depthChange(rest)
                    while balance > 0, let next = lines.popFirst() {
                        joined += " " + next.text
                        balance += Text.depthChange(next.text)
                    }
                    let all = joined[...]
                    var level = 0
                    var end = all.endIndex
                    for index in all.indices {
                        if all[index] == "(" { level += 1 }
                        if all[index] == ")" {
                            level -= 1
                            if level == 0 {
                                end = all.index(after: index)
                                break
                            }
                        }
                    }
                    arguments =
                        all[
                            all.index(
                                after: all.startIndex)..<max(all.index(after: all.startIndex), all.index(before: end))]
                    rest = all[end...]
                }
                pending.append(
                    Annotation(name: name.split(separator: ".").last.map(String.init) ?? name, arguments: arguments))
                text = rest.drop(while: { $0 == " " || $0 == "\t" })
            }
            if text.isEmpty { continue }
            let words = text.split(whereSeparator: { " \t(<:{,".contains($0) })
            if let classIndex = words.firstIndex(where: { $0 == "class" || $0 == "interface" }),
                classIndex + 1 < words.count, words[classIndex] == "class"
            {
                var declared = DeclaredClass(
                    ecosystem: ecosystem, name: String(words[classIndex + 1]), file: path, line: line.number)
                for annotation in pending {
                    switch annotation.name {
                    case "Entity":
                        declared.isMapped = true
                        if ecosystem == .typeorm {
                            declared.explicitTable =
                                Text.keyedString(annotation.arguments, key: "name")
                                ?? (annotation.arguments.drop(while: { $0 == " " }).first == "{"
                                    ? nil : Text.firstString(annotation.arguments))
                        } else if let name = Text.keyedString(annotation.arguments, key: "name") {
                            declared.explicitTable = name
                        }
                    case "Table":
                        declared.explicitTable =
                            Text.keyedString(annotation.arguments, key: "name")
                            ?? Text.firstString(annotation.arguments)
                    case "MappedSuperclass":
                        declared.isAbstract = true
                    default: break
                    }
                }
                if let extends = text.range(of: " extends ") ?? text.range(of: ") : ") ?? text.range(of: " : ") {
                    let base = Text.identifier(text[extends.upperBound...].drop(while: { $0 == " " }))
                    if !base.isEmpty { declared.bases = [String(base)] }
                }
                pending = []
                stack.append((declared, depth))
                // Kotlin: properties declared in the primary constructor.
                if ecosystem == .jpa, let open = text.firstIndex(of: "(") {
                    readKotlinConstructor(text[text.index(after: open)...], into: &stack[stack.count - 1].declared)
                }
                depth += Text.depthChange(text)
                if depth <= stack[stack.count - 1].depth, text.contains("{") || !text.contains("(") {
                    // A class without a body.
                    part.classes.append(stack.removeLast().declared)
                }
                continue
            }
            if let top = stack.last, depth == top.depth + 1 {
                readMember(text, annotations: pending, ecosystem: ecosystem, into: &stack[stack.count - 1].declared)
            }
            pending = []
            depth += Text.depthChange(text)
            while let top = stack.last, depth <= top.depth {
                part.classes.append(stack.removeLast().declared)
            }
        }
        while let top = stack.popLast() { part.classes.append(top.declared) }
    }

    /// `@Column(name = "x") val legacyStatus: String,` inside `class Order(…)`.
    private static func readKotlinConstructor(_ text: Substring, into declared: inout DeclaredClass) {
        for piece in text.split(separator: ",") {
            var member = piece.drop(while: { $0 == " " })
            var annotations: [Annotation] = []
            while member.hasPrefix("@") {
                let name = String(member.dropFirst().prefix(while: Text.isIdentifier))
                member = member.dropFirst(1 + name.count)
                var arguments: Substring = ""
                if member.first == "(", let close = member.firstIndex(of: ")") {
                    arguments = member[member.index(after: member.startIndex)..<close]
                    member = member[member.index(after: close)...]
                }
                annotations.append(Annotation(name: name, arguments: arguments))
                member = member.drop(while: { $0 == " " })
            }
            if member.hasPrefix("val ") || member.hasPrefix("var ") {
                readMember(member, annotations: annotations, ecosystem: .jpa, into: &declared)
            }
        }
    }

    private static let skippedModifiers: Set<Substring> = [
        "private", "public", "protected", "readonly", "final", "lateinit", "override", "open", "internal",
        "transient", "val", "var", "declare",
    ]

    /// A property or field with its annotations.
    private static func readMember(
        _ text: Substring, annotations: [Annotation], ecosystem: Ecosystem, into declared: inout DeclaredClass
    ) {
        let names = Set(annotations.map(\.name))
        if names.contains("Transient") || names.contains("OneToMany") || names.contains("ManyToMany") {
            if let property = propertyName(text, ecosystem: ecosystem) {
                let kind: Association.Kind = names.contains("ManyToMany") ? .manyToMany : .hasMany
                declared.associations.append(Association(kind: kind, name: property, foreignKey: nil, targetClass: nil))
            }
            return
        }
        if text.contains(" static ") || text.hasPrefix("static ") { return }
        guard let property = propertyName(text, ecosystem: ecosystem) else { return }
        let isToOne = names.contains("ManyToOne") || names.contains("OneToOne")
        let columnAnnotations = [
            "Column", "PrimaryGeneratedColumn", "PrimaryColumn", "CreateDateColumn", "UpdateDateColumn",
            "DeleteDateColumn", "VersionColumn", "Id",
        ]
        if ecosystem == .typeorm && !isToOne && !names.contains(where: { columnAnnotations.contains($0) }) { return }
        let join = annotations.first { $0.name == "JoinColumn" }
        if isToOne {
            if ecosystem == .typeorm && join == nil && names.contains("OneToOne") { return }
            let column =
                join.flatMap { Text.keyedString($0.arguments, key: "name") }
                ?? (ecosystem == .typeorm ? property + "Id" : Text.snakeCase(property) + "_id")
            declared.fields.append(ModelColumn(attribute: property, column: column))
            declared.associations.append(
                Association(kind: .belongsTo, name: property, foreignKey: column, targetClass: nil))
            return
        }
        let explicit = annotations.first { $0.name == "Column" }.flatMap { Text.keyedString($0.arguments, key: "name") }
        let column = explicit ?? (ecosystem == .typeorm ? property : Text.snakeCase(property))
        declared.fields.append(ModelColumn(attribute: property, column: column))
    }

    /// The property a member line declares: TypeORM `name: string;`, `name!: string`; Kotlin `val name: T`;
    /// Java `private String name;`, `Long id = 0L;`. `nil` for methods and anything else.
    private static func propertyName(_ text: Substring, ecosystem: Ecosystem) -> String? {
        let head = text.prefix(while: { $0 != "=" && $0 != ";" && $0 != "{" })
        if head.contains("(") { return nil }
        var words = head.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        if ecosystem == .typeorm || text.hasPrefix("val ") || text.hasPrefix("var ") || head.contains(":") {
            while let first = words.first, skippedModifiers.contains(first) { words = words.dropFirst() }
            guard let first = words.first else { return nil }
            let name = first.prefix(while: Text.isIdentifier)
            return name.isEmpty || !head.contains(":") ? nil : String(name)
        }
        // Java: `[modifiers] Type name`.
        guard text.contains(";") || text.contains("="), words.count >= 2, let last = words.last else { return nil }
        let name = last.prefix(while: Text.isIdentifier)
        guard name.count == last.count, let first = name.first, first.isLetter || first == "_" else { return nil }
        if words.contains("return") || words.contains("import") || words.contains("package") { return nil }
        return String(name)
    }
}

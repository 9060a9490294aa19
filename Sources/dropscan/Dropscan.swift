import ArgumentParser
import DropScan
import Foundation

/// The executable only parses arguments and calls the library (`DropScan`).
@main
struct Dropscan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropscan",
        abstract: "Is anything still using the column or table we are about to drop?",
        discussion: """
            Exit codes: 0 pass, 1 blocked (a use was found), 2 usage or configuration error,
            3 inconclusive (nothing found, but the evidence does not cover enough).
            """,
        version: dropscanVersion,
        subcommands: [
            Scan.self, Gate.self, Patterns.self, Inputs.self, Merge.self, Report.self, Sweep.self, LedgerCommands.self,
        ],
        defaultSubcommand: Scan.self)

    /// Runs the command; usage errors exit with 2 (not ArgumentParser's 64), as documented.
    static func main() {
        ProcessSetup.ignoreBrokenPipes()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitRequest {
            Foundation.exit(exit.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            StandardError.write(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}

/// Ends the process with a code after a command has done its work.
struct ExitRequest: Error {
    let code: Int32
}

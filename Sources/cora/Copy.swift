import ArgumentParser
import CoraData
import CoraKernel
import Foundation
import Synchronization

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a whole catalog into an empty store: every event as recorded, every live idempotency key, then the read models.",
        discussion: """
            Events keep their ids, streams, versions, payloads, metadata, timestamps and positions. Each batch is one \
            transaction on the target, so an interrupted copy leaves a prefix of the source there: run the same command \
            with --resume to finish it. Serve the target only once the copy has ended.
            """)

    @Option(name: .long, help: "The database to copy from: sqlite:<path> or postgres://user:password@host:port/db")
    var from: String

    @Option(name: .long, help: "The empty database to copy into (created and migrated if needed)")
    var to: String

    @Flag(name: .long, help: "Finish an interrupted copy from the same source (the target must hold a prefix of it)")
    var resume = false

    @Option(name: .long, help: "Events per transaction on the target")
    var batchSize = 5000

    @OptionGroup var store: StoreSettings

    func validate() throws {
        if from == to { throw ValidationError("--from and --to name the same database") }
        if store.databaseURL != nil { throw ValidationError("copy takes --from and --to, not --database-url") }
        if batchSize < 1 || batchSize > 100_000 { throw ValidationError("--batch-size must be from 1 to 100000") }
    }

    func run() async throws {
        let base = try Configuration.resolve(store)
        var source = base, target = base
        source.database = try DatabaseLocation(url: from)
        target.database = try DatabaseLocation(url: to)
        // Opening a SQLite path creates the file: a mistyped source would be copied as an empty catalog.
        if case .sqlite(let path) = source.database, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--from \(from): no such file")
        }
        let logger = bootstrapLogging(base.logLevel)
        let keysSince = Timestamp(microsecondsSinceEpoch: SystemClock().now().microsecondsSinceEpoch - base.idempotencyTTLSeconds * 1_000_000)
        let (batchSize, resume) = (batchSize, resume)
        let pacing = ProgressPacing()
        let phase = Mutex(CopyReport.Phase.events)
        let targetRuntime = try Runtime(target, logger: logger)
        let report = try await Runtime(source, logger: logger).withStore { sourceStore in
            try await targetRuntime.withStore { targetStore in
                try await CopyCatalog(from: sourceStore, to: targetStore, batchSize: batchSize, resume: resume, keysCreatedSince: keysSince).run { progress in
                    // A line when a phase ends, and at most every two seconds within one.
                    let ended: CopyReport.Phase? = phase.withLock { last in
                        defer { last = progress.phase }
                        return last != progress.phase ? last : nil
                    }
                    guard pacing.due(force: ended != nil) else { return }
                    switch (ended, progress.phase) {
                    case (.events?, _):
                        printLine("copied \(progress.eventsCopied) events (up to position \(progress.lastPosition)) in \(pacing.elapsed) "
                                  + "(\(pacing.rate(progress.eventsCopied)) events/s)")
                    case (_, .events):
                        printLine("… \(progress.eventsCopied) events copied (position \(progress.lastPosition) of \(progress.sourceLastPosition), "
                                  + "\(pacing.rate(progress.eventsCopied)) events/s)")
                    case (_, .idempotencyKeys): printLine("… \(progress.idempotencyRecordsCopied) idempotency keys copied")
                    case (_, .readModels): printLine("… read models: \(progress.readModels.datasetsChecked) datasets rebuilt")
                    case (_, .done): break
                    }
                }
            }
        }
        if report.eventsAlreadyThere > 0 { printLine("resumed: \(report.eventsAlreadyThere) events were already on the target") }
        printLine("done in \(pacing.elapsed): \(report.eventsCopied) events, \(report.idempotencyRecordsCopied) idempotency keys, "
                  + "read models rebuilt for \(report.readModels.datasetsChecked) datasets")
    }
}

import Foundation
import Platform
import Testing

@Suite("Settings")
struct SettingsTests {
    @Test func flagsBeatEnvironmentBeatFileBeatDefault() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).json")
        try #"{"port": 3000, "host": "10.0.0.1", "verbose": true}"#.write(to: file, atomically: true, encoding: .utf8)
        let reader = try SettingsReader(flags: ["port": "1000"], environment: ["APP_PORT": "2000", "APP_HOST": "10.0.0.2"])
            .loadingFile(file.path, knownKeys: ["port", "host", "verbose", "unused"])
        let port = try reader.value("port", environment: "APP_PORT", default: 0, expecting: "a port") { Int($0) }
        let host = try reader.value("host", environment: "APP_HOST", default: "", expecting: "a host") { $0 }
        let verbose = try reader.value("verbose", environment: "APP_VERBOSE", default: false, expecting: "a bool") { Bool($0) }
        let unused = try reader.value("unused", environment: "APP_UNUSED", default: "d", expecting: "text") { $0 }
        #expect(port == 1000)
        #expect(host == "10.0.0.2")
        #expect(verbose == true)
        #expect(unused == "d")
    }

    @Test func errorsNameTheSettingAndItsSource() {
        let reader = SettingsReader(flags: [:], environment: ["APP_PORT": "eighty"])
        let error = #expect(throws: SettingError.self) {
            try reader.value("port", environment: "APP_PORT", default: 0, expecting: "a port number") { Int($0) }
        }
        #expect(error?.message == "setting port (from $APP_PORT): expected a port number, got 'eighty'")
    }

    @Test func unknownFileKeysAndNonObjectsAreRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).json")
        try #"{"colour": "blue"}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SettingError.self) {
            try SettingsReader(flags: [:], environment: [:]).loadingFile(file.path, knownKeys: ["color"])
        }
        try "[1,2]".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: SettingError.self) {
            try SettingsReader(flags: [:], environment: [:]).loadingFile(file.path, knownKeys: ["color"])
        }
    }

    @Test func dedicatedThreadRunsJobsInOrderOffTheCallerAndStops() async throws {
        let thread = DedicatedThread(name: "test")
        // Submitted jobs run one at a time, in order.
        let order = OrderLog()
        for n in 0..<100 { thread.submit { order.append(n) } }
        _ = try await thread.run { 0 }
        #expect(order.items == Array(0..<100))
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<50 { group.addTask { try await thread.run { n * 2 } } }
            var all: [Int] = []
            for try await value in group { all.append(value) }
            return all.sorted()
        }
        #expect(values == (0..<50).map { $0 * 2 })
        thread.stop()
        await #expect(throws: DedicatedThreadStopped.self) { try await thread.run { 1 } }
    }

    @Test func resourceRootIsFoundUpwardsFromAStartingFolder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: base.appendingPathComponent("Migrations/control"), withIntermediateDirectories: true)
        #expect(ResourceRoot.locate(explicit: base.path)?.path == base.standardizedFileURL.path)
        #expect(ResourceRoot.locate(explicit: base.appendingPathComponent("Migrations").path) == nil)
        let deep = base.appendingPathComponent(".build/release")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let found = ResourceRoot.locate(
            explicit: nil, currentDirectory: "/", executablePath: deep.appendingPathComponent("countersign").path)
        #expect(found?.path == base.standardizedFileURL.path)
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ item: Int) { lock.withLock { storage.append(item) } }
    var items: [Int] { lock.withLock { storage } }
}

@Suite("Optional settings")
struct OptionalSettingsTests {
    @Test func aRejectedOptionalValueIsAnErrorNotNil() {
        let reader = SettingsReader(flags: ["key-file": "/nonexistent"], environment: [:])
        #expect(throws: SettingError.self) {
            try reader.optionalValue("key-file", environment: "KEY_FILE", expecting: "a file") { _ -> String? in nil }
        }
        let unset = try? SettingsReader(flags: [:], environment: [:])
            .optionalValue("key-file", environment: "KEY_FILE", expecting: "a file") { $0 }
        #expect(unset == .some(nil))
    }
}

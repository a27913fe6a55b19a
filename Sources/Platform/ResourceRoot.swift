import Foundation

/// Finds the folder that holds `Migrations/`, `Portal/`, `Templates/` and `Tenants/`.
///
/// An explicit root (`--root`, `COUNTERSIGN_ROOT`) wins; otherwise the current
/// directory and then the executable's folder are searched upwards, which
/// covers both `ops/run` (cwd = repository) and a binary inside `.build/`.
public enum ResourceRoot {
    public static let marker = "Migrations/control"

    public static func locate(
        explicit: String?, currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String = CommandLine.arguments.first ?? ""
    ) -> URL? {
        if let explicit, !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            return isRoot(url) ? url : nil
        }
        let candidates = [
            URL(fileURLWithPath: currentDirectory),
            URL(fileURLWithPath: executablePath).deletingLastPathComponent(),
        ]
        for start in candidates {
            var url = start.standardizedFileURL
            for _ in 0..<8 {
                if isRoot(url) { return url }
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
        }
        return nil
    }

    private static func isRoot(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }
}

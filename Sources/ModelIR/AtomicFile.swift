import Foundation

/// Whole-file writes through a temporary sibling and a rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let e = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: tmp)
                throw ModelError(file: path, "cannot rename temporary file into place: \(e)")
            }
        } catch let e as ModelError {
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ModelError(file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}

/// Reading the `Cookie` header and writing `Set-Cookie` (RFC 6265).
public enum Cookies {
    /// The value of cookie `name` in the request, if sent.
    public static func value(_ name: String, in request: HTTPRequest) -> String? {
        for header in request.headers where header.name.lowercased() == "cookie" {
            for pair in header.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].trimmingSpaces == name else { continue }
                return String(parts[1].trimmingSpaces)
            }
        }
        return nil
    }

    /// A session cookie: never readable by scripts, sent only over HTTPS
    /// (browsers make an exception for localhost) and not on cross-site
    /// subrequests or posts. `maxAge` nil makes it end with the browser.
    public static func session(name: String, value: String, maxAge: Int?, path: String = "/") -> String {
        var cookie = "\(name)=\(value); Path=\(path); HttpOnly; Secure; SameSite=Lax"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        return cookie
    }

    /// Tells the browser to forget cookie `name`.
    public static func expired(name: String, path: String = "/") -> String {
        "\(name)=; Path=\(path); HttpOnly; Secure; SameSite=Lax; Max-Age=0"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}

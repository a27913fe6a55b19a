/// Everything `layouts/base.html` reads, so a page supplies only its own keys.
///
/// Strict templates make a forgotten key an error; building the layout's part
/// of the context in one place means pages cannot forget one.
public struct LayoutContext: Sendable, Equatable {
    /// An entry of the main navigation.
    public struct NavLink: Sendable, Equatable {
        public let label: String
        public let href: String
        /// Marked `aria-current="page"`.
        public let isCurrent: Bool

        public init(_ label: String, href: String, isCurrent: Bool = false) throws(ComponentError) {
            self.label = label
            self.href = try LinkTarget.validate(href)
            self.isCurrent = isCurrent
        }
    }

    /// The signed-in person, for the header's sign-out form.
    public struct Session: Sendable, Equatable {
        public let displayName: String
        public let signOutHref: String

        public init(displayName: String, signOutHref: String = "/logout") throws(ComponentError) {
            self.displayName = displayName
            self.signOutHref = try LinkTarget.validate(signOutHref)
        }
    }

    public var pageTitle: String
    public var brand: PortalBrand
    public var nav: [NavLink]
    public var session: Session?
    public var csrfToken: String
    public var flash: [FlashMessage]

    public init(
        pageTitle: String, brand: PortalBrand, nav: [NavLink] = [], session: Session? = nil, csrfToken: String,
        flash: [FlashMessage] = []
    ) {
        self.pageTitle = pageTitle
        self.brand = brand
        self.nav = nav
        self.session = session
        self.csrfToken = csrfToken
        self.flash = flash
    }

    /// The render context: the layout's keys, then the page's (a page key of the same name wins).
    public func context(page: [String: ViewValue] = [:]) -> ViewValue {
        let layout: [String: ViewValue] = [
            "page_title": .string(pageTitle),
            "brand": brand.viewValue,
            "nav": .list(
                nav.map { ["label": .string($0.label), "href": .string($0.href), "current": .bool($0.isCurrent)] }),
            "session": session.map {
                ["display_name": .string($0.displayName), "sign_out_href": .string($0.signOutHref)]
            } ?? .null,
            "csrf_token": .string(csrfToken),
            "flash": .list(of: flash),
        ]
        return ViewValue.object(layout).merging(page)
    }
}

import XCTest
@testable import Engine

final class CPUFeaturesTests: XCTestCase {
    func testForcingAndRestoringLevels() {
        let before = CPUFeatures.active
        XCTAssertEqual(CPUFeatures.withLevel(.scalar) { $0 }, .scalar)
        XCTAssertEqual(CPUFeatures.active, before)
        // Requests above what the CPU supports are clamped.
        XCTAssertEqual(CPUFeatures.withLevel(.avx512vnni) { $0 }, CPUFeatures.maxSupported)
        XCTAssertEqual(CPUFeatures.supportedLevels.first, .scalar)
        XCTAssertEqual(CPUFeatures.supportedLevels.last, CPUFeatures.maxSupported)
        print("CPUFeatures: max supported = \(CPUFeatures.maxSupported), active = \(CPUFeatures.active)")
    }
}

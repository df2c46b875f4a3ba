/// Look-up of the built-in allocators by name, for the CLI's `--allocator`.
///
/// Note: this enum shares its name with the module, so inside client code
/// `Allocators.X` resolves to this type, not the module; refer to the module's
/// types unqualified (`GreedyAllocator`, …).
public enum Allocators {
    /// The valid names, in the order they are documented.
    public static let names = ["greedy", "dp", "bsq", "uniform"]

    /// The allocator with its default settings. Names are case-insensitive;
    /// anything else throws `AllocationError.unknownAllocator` listing `names`.
    public static func named(_ name: String) throws -> any Allocator {
        switch name.lowercased() {
        case "greedy": return GreedyAllocator()
        case "dp": return DPAllocator()
        case "bsq": return BSQAllocator()
        case "uniform": return UniformAllocator()
        default: throw AllocationError.unknownAllocator(name: name, valid: names)
        }
    }
}

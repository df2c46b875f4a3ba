import CKernels

/// A compiled kernel path of the integer engine, from the portable reference up.
public enum KernelLevel: Int32, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Portable C reference kernels: they define the semantics of every other path.
    case scalar = 0
    /// AVX2 + FMA + POPCNT (x86-64, per-function target attributes, chosen at run time).
    case avx2 = 1
    /// AVX-512 F/BW/VL + VNNI (VPDPBUSD) for the u8 x s8 GEMM; other kernels use AVX2.
    case avx512vnni = 2

    public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }

    /// "scalar", "avx2", "avx512vnni" (the C library's names).
    public var description: String { String(cString: bb_level_name(rawValue)) }
}

/// Which half of a dataset to load.
///
/// Calibration and bit-width search read `train`; reported accuracy reads `test`, so the two
/// never mix by accident.
public enum DatasetSplit: String, CaseIterable, Sendable {
    case train
    case test
}

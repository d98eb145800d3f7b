package dev.ward.detect;

/** The detectors' package-private sizes, for tests in other packages. */
public final class DetectorsAccess {
    private DetectorsAccess() {}

    /** Events a step reads at most (one batch). */
    public static int batch() { return Detectors.BATCH; }
}

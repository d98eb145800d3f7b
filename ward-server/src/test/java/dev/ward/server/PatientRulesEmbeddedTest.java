package dev.ward.server;

/** {@link PatientRulesContract} on one embedded node (H2). */
class PatientRulesEmbeddedTest extends PatientRulesContract {
    @Override
    void startNodes() {
        a = new TestWard();
        b = a;
    }

    @Override
    void stopNodes() {
        if (a != null) {
            a.close();
        }
    }
}

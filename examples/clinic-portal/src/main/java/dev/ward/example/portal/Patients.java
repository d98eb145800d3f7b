package dev.ward.example.portal;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The portal's stand-in for a hospital's record system: a few fixed, made-up patients. One is a confidential record
 * (a member of staff); the demo set-up restricts it in Ward to a care team, so that anyone else must break the glass.
 */
final class Patients {
    private Patients() {}

    record Patient(String id, String name, LocalDate born, String ward, List<String> allergies, List<String> medications,
                   String note, boolean confidential) {

        /** What the chart page shows and caches in the patient context ({@code PUT …/data/chart}). */
        Map<String, Object> chart() {
            return Map.of("allergies", allergies, "medications", medications, "note", note);
        }

        @Override public String toString() { return "Patient[…]"; }
    }

    static final List<Patient> ALL = List.of(
            new Patient("pat-1001", "Ada Moreno", LocalDate.of(1958, 3, 14), "3B", List.of("penicillin"),
                    List.of("metformin 500 mg twice daily", "ramipril 5 mg daily"), "Admitted for a foot wound; dressing changed daily.", false),
            new Patient("pat-1002", "Tomas Berg", LocalDate.of(1990, 11, 2), "5A", List.of(),
                    List.of("salbutamol inhaler as needed"), "Asthma review; peak flow improving.", false),
            new Patient("pat-1003", "Grace Okafor", LocalDate.of(1972, 6, 30), "2C", List.of("latex", "codeine"),
                    List.of("sertraline 50 mg daily"), "Member of staff: confidential record.", true),
            new Patient("pat-1004", "Liam Chen", LocalDate.of(2011, 8, 21), "Paediatrics", List.of("peanuts"),
                    List.of("adrenaline auto-injector"), "Observation after an allergic reaction.", false));

    static Optional<Patient> byId(String id) {
        return ALL.stream().filter(p -> p.id().equals(id)).findFirst();
    }
}

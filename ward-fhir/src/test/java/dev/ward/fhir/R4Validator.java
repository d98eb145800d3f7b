package dev.ward.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.hapi.ctx.HapiWorkerContext;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.ConstraintSeverity;
import org.hl7.fhir.r4.model.Enumeration;
import org.hl7.fhir.r4.model.Enumerations.BindingStrength;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetFilterComponent;

/**
 * Validates an R4 resource against the base FHIR R4 specification, offline, with what the specification ships in
 * {@code hapi-fhir-validation-resources-r4}:
 * <ul>
 *   <li>the R4 XML schema ({@code fhir-single.xsd}, through HAPI's schema validator): structure, order, cardinality
 *       and the formats of the primitive types;</li>
 *   <li>every element's cardinality from the StructureDefinition snapshots (resource and datatypes);</li>
 *   <li>every invariant (ele-1, dom-*, sev-1, bdl-*, ...) evaluated with HAPI's R4 FHIRPath engine;</li>
 *   <li>every required or extensible binding against the value sets and code systems of the specification,
 *       including each coding's display where the code system is part of it.</li>
 * </ul>
 * It stands in for HAPI's {@code FhirInstanceValidator}, which lives in {@code hapi-fhir-validation}, a module
 * the registry this project builds from does not serve. Codes of systems the specification does not contain
 * (DICOM's DCM) are checked against the value sets' concept lists; their displays cannot be checked here.
 */
final class R4Validator {
    enum Severity { ERROR, WARNING }

    record Issue(Severity severity, String where, String message) {
        @Override
        public String toString() { return severity + " " + where + ": " + message; }
    }

    private final FhirContext ctx = FhirContext.forR4();
    private final DefaultProfileValidationSupport spec = new DefaultProfileValidationSupport(ctx);
    private final FHIRPathEngine fhirPath = new FHIRPathEngine(new HapiWorkerContext(ctx, spec));
    private final FhirValidator schema = ctx.newValidator().setValidateAgainstStandardSchema(true)
            .setValidateAgainstStandardSchematron(false);

    List<Issue> validate(Resource resource) {
        List<Issue> issues = new ArrayList<>();
        schema.validateWithResult(resource).getMessages().forEach(m -> issues.add(new Issue(
                m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL
                        ? Severity.ERROR : Severity.WARNING,
                "schema " + m.getLocationString(), m.getMessage())));
        walk(resource, resource, structure(resource.fhirType()), resource.fhirType(), resource.fhirType(), issues);
        return issues;
    }

    static List<Issue> errors(List<Issue> issues) {
        return issues.stream().filter(i -> i.severity() == Severity.ERROR).toList();
    }

    private StructureDefinition structure(String type) {
        StructureDefinition sd = (StructureDefinition) spec.fetchStructureDefinition("http://hl7.org/fhir/StructureDefinition/" + type);
        if (sd == null) {
            throw new IllegalStateException("no StructureDefinition for " + type);
        }
        return sd;
    }

    private static Optional<ElementDefinition> element(StructureDefinition sd, String path) {
        return sd.getSnapshot().getElement().stream().filter(e -> e.getPath().equals(path)).findFirst();
    }

    /** Checks node (the element at path of sd) and everything under it. */
    private void walk(Resource root, Base node, StructureDefinition sd, String path, String where, List<Issue> issues) {
        element(sd, path).ifPresent(ed -> constraints(root, node, ed, where, issues));
        for (Property p : node.children()) {
            String childPath = path + "." + p.getName();
            Optional<ElementDefinition> child = element(sd, childPath);
            if (child.isEmpty()) {
                issues.add(new Issue(Severity.ERROR, where + "." + p.getName(), "no definition for " + childPath));
                continue;
            }
            ElementDefinition ed = child.get();
            List<Base> values = p.getValues().stream().filter(v -> !v.isEmpty()).toList();
            int max = ed.getMax().equals("*") ? Integer.MAX_VALUE : Integer.parseInt(ed.getMax());
            if (values.size() < ed.getMin() || values.size() > max) {
                issues.add(new Issue(Severity.ERROR, where + "." + p.getName(), "cardinality " + values.size()
                        + " outside " + ed.getMin() + ".." + ed.getMax()));
            }
            for (int i = 0; i < values.size(); i++) {
                Base v = values.get(i);
                String at = where + "." + p.getName() + (values.size() > 1 ? "[" + i + "]" : "");
                if (ed.hasContentReference()) {
                    walk(root, v, sd, ed.getContentReference().substring(1), at, issues);
                } else if (v instanceof Resource contained) {
                    constraints(root, v, ed, at, issues);
                    walk(contained, contained, structure(contained.fhirType()), contained.fhirType(), at, issues);
                } else if (isNested(ed)) {
                    walk(root, v, sd, childPath, at, issues);
                } else {
                    constraints(root, v, ed, at, issues);
                    if (!v.isPrimitive()) {
                        walk(root, v, structure(v.fhirType()), v.fhirType(), at, issues);
                    }
                }
            }
        }
    }

    private static boolean isNested(ElementDefinition ed) {
        return ed.getType().size() == 1
                && (ed.getType().get(0).getCode().equals("BackboneElement") || ed.getType().get(0).getCode().equals("Element"));
    }

    private void constraints(Resource root, Base node, ElementDefinition ed, String where, List<Issue> issues) {
        for (ElementDefinition.ElementDefinitionConstraintComponent c : ed.getConstraint()) {
            Severity severity = c.getSeverity() == ConstraintSeverity.ERROR ? Severity.ERROR : Severity.WARNING;
            try {
                // As the FHIR validator does: an invariant that yields nothing does not apply here (ref-1 on a
                // Reference that holds only an identifier, for one).
                List<Base> result = fhirPath.evaluate(null, root, root, node, fhirPath.parse(c.getExpression()));
                if (!result.isEmpty() && !fhirPath.convertToBoolean(result)) {
                    issues.add(new Issue(severity, where, c.getKey() + ": " + c.getHuman()));
                }
            } catch (RuntimeException e) {
                issues.add(new Issue(Severity.ERROR, where, c.getKey() + " could not be evaluated: " + e.getMessage()));
            }
        }
        binding(node, ed, where, issues);
    }

    private void binding(Base node, ElementDefinition ed, String where, List<Issue> issues) {
        if (!ed.hasBinding() || !ed.getBinding().hasValueSet()) {
            return;
        }
        BindingStrength strength = ed.getBinding().getStrength();
        if (strength != BindingStrength.REQUIRED && strength != BindingStrength.EXTENSIBLE) {
            return;
        }
        String url = ed.getBinding().getValueSet().replaceFirst("\\|.*$", "");
        ValueSet vs = (ValueSet) spec.fetchValueSet(url);
        if (vs == null) {
            issues.add(new Issue(Severity.WARNING, where, "value set " + url + " is not part of the specification"));
            return;
        }
        List<Coding> codings = new ArrayList<>();
        if (node instanceof Coding c) {
            codings.add(c);
        } else if (node instanceof CodeableConcept cc) {
            codings.addAll(cc.getCoding());
        } else if (node instanceof Enumeration<?> en) {
            codings.add(new Coding(en.getSystem(), en.getCode(), null));
        } else if (node instanceof PrimitiveType<?> code) {
            codings.add(new Coding(null, code.getValueAsString(), null));
        }
        boolean anyMember = false;
        for (Coding c : codings) {
            Membership m = member(vs, c);
            if (m == Membership.YES) {
                anyMember = true;
            }
            String display = displayOf(c);
            if (m == Membership.YES && c.hasDisplay() && display != null && !display.equalsIgnoreCase(c.getDisplay())) {
                issues.add(new Issue(Severity.ERROR, where, "display '" + c.getDisplay() + "' of " + c.getSystem() + "#"
                        + c.getCode() + " should be '" + display + "'"));
            }
        }
        if (!anyMember) {
            Severity severity = strength == BindingStrength.REQUIRED ? Severity.ERROR : Severity.WARNING;
            issues.add(new Issue(severity, where, "no coding of " + codings.stream().map(c -> c.getSystem() + "#" + c.getCode()).toList()
                    + " is in the " + strength.toCode() + " value set " + url));
        }
    }

    private enum Membership { YES, NO }

    private Membership member(ValueSet vs, Coding c) {
        for (ConceptSetComponent include : vs.getCompose().getInclude()) {
            if (c.getSystem() != null && !include.getSystem().equals(c.getSystem())) {
                continue;
            }
            for (org.hl7.fhir.r4.model.CanonicalType nested : include.getValueSet()) {
                ValueSet inner = (ValueSet) spec.fetchValueSet(nested.getValue());
                if (inner != null && member(inner, c) == Membership.YES) {
                    return Membership.YES;
                }
            }
            if (!include.hasSystem()) {
                continue;
            }
            if (include.hasConcept()) {
                if (include.getConcept().stream().anyMatch(k -> k.getCode().equals(c.getCode()))) {
                    return Membership.YES;
                }
                continue;
            }
            CodeSystem cs = (CodeSystem) spec.fetchCodeSystem(include.getSystem());
            if (cs == null) {
                continue;
            }
            Optional<ConceptDefinitionComponent> concept = find(cs.getConcept(), c.getCode());
            if (concept.isEmpty()) {
                continue;
            }
            if (!include.hasFilter() || include.getFilter().stream().allMatch(f -> passes(cs, f, c.getCode()))) {
                return Membership.YES;
            }
        }
        return Membership.NO;
    }

    private static boolean passes(CodeSystem cs, ConceptSetFilterComponent f, String code) {
        String op = f.getOp().toCode();
        if (!f.getProperty().equals("concept") || !(op.equals("is-a") || op.equals("descendent-of"))) {
            return false;
        }
        Optional<ConceptDefinitionComponent> parent = find(cs.getConcept(), f.getValue());
        if (parent.isEmpty()) {
            return false;
        }
        boolean self = parent.get().getCode().equals(code);
        return (op.equals("is-a") && self) || find(parent.get().getConcept(), code).isPresent();
    }

    private String displayOf(Coding c) {
        if (c.getSystem() == null) {
            return null;
        }
        CodeSystem cs = (CodeSystem) spec.fetchCodeSystem(c.getSystem());
        return cs == null ? null : find(cs.getConcept(), c.getCode()).map(ConceptDefinitionComponent::getDisplay).orElse(null);
    }

    private static Optional<ConceptDefinitionComponent> find(List<ConceptDefinitionComponent> concepts, String code) {
        for (ConceptDefinitionComponent k : concepts) {
            if (k.getCode().equals(code)) {
                return Optional.of(k);
            }
            Optional<ConceptDefinitionComponent> deeper = find(k.getConcept(), code);
            if (deeper.isPresent()) {
                return deeper;
            }
        }
        return Optional.empty();
    }
}

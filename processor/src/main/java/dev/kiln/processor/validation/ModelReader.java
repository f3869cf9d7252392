package dev.kiln.processor.validation;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;
import dev.kiln.processor.model.InitSpec;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.ModelDecl;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.Elements;

/**
 * Reads a {@code @Model} class into a {@link ModelDecl}: one {@link LayerDecl} per {@code Layer} field in
 * declaration order. Problems on a field are reported there and the field is skipped, so the other
 * fields are still read and checked.
 */
public final class ModelReader {
    static final String PACKAGE = "dev.kiln.annotations.";
    private static final String LAYER_TYPE = "dev.kiln.annotations.Layer";

    private final Reporter reporter;
    private final Elements elements;
    private final LayerReader layers;
    private final ShapeReader shapes;
    /** Fields of the model being read left out because javac could not resolve their type or an annotation. */
    private int unresolvedFields;

    public ModelReader(Reporter reporter, Elements elements) {
        this.reporter = reporter;
        this.elements = elements;
        this.shapes = new ShapeReader(reporter, elements);
        this.layers = new LayerReader(reporter, shapes);
    }

    /** Empty when the type has no {@code @Model}, or when a field's type or annotation could not be resolved. */
    public Optional<ModelDecl> read(TypeElement type) {
        Optional<AnnotationMirror> model = mirror(type, PACKAGE + "Model");
        if (model.isEmpty()) return Optional.empty();
        TensorShape input = shapes.read(type, model.get(), AnnotationValues.of(model.get(), elements).annotation("input"));
        List<LayerDecl> decls = new ArrayList<>();
        int errorsBefore = reporter.errors();
        unresolvedFields = 0;
        for (Element e : type.getEnclosedElements()) {
            if (e.getKind() == ElementKind.FIELD) field((VariableElement) e).ifPresent(decls::add);
        }
        // Only where no field was left out for an error of its own: else "no Layer fields" would be false.
        if (decls.isEmpty() && reporter.errors() == errorsBefore && unresolvedFields == 0) {
            reporter.error(type, model.get(), Diagnostic.NO_LAYERS, type.getSimpleName());
        }
        // javac fails the compile on the unresolved names: nothing to infer or generate from a model with holes in it.
        if (unresolvedFields > 0) return Optional.empty();
        return Optional.of(new ModelDecl(type, input, decls));
    }

    static Optional<AnnotationMirror> mirror(Element e, String qualifiedName) {
        return e.getAnnotationMirrors().stream()
                .filter(m -> AnnotationValues.qualifiedName(m).equals(qualifiedName))
                .map(m -> (AnnotationMirror) m)
                .findFirst();
    }

    private Optional<LayerDecl> field(VariableElement field) {
        String name = field.getSimpleName().toString();
        if (field.asType().getKind() == TypeKind.ERROR) {
            // javac reports the unknown type ("cannot find symbol"); anything said about the field here would follow from it.
            if (hasKilnAnnotation(field)) unresolvedFields++;
            return Optional.empty();
        }
        boolean isLayer = field.asType().toString().equals(LAYER_TYPE);
        if (field.getModifiers().contains(Modifier.STATIC) && (isLayer || hasKilnAnnotation(field))) {
            reporter.error(field, Diagnostic.STATIC_LAYER, name);
            return Optional.empty();
        }
        boolean unresolved = false;
        AnnotationMirror layerMirror = null, activationMirror = null, initMirror = null;
        boolean repeat = false, residual = false, output = false;
        int repeatCount = 1;
        List<String> from = List.of();
        boolean ok = true;
        for (AnnotationMirror m : field.getAnnotationMirrors()) {
            String qn = AnnotationValues.qualifiedName(m);
            String simple = simpleName(qn);
            if (m.getAnnotationType().getKind() == TypeKind.ERROR) {
                // A name javac cannot resolve: it reports "cannot find symbol" itself; a likely typo gets the name meant.
                if (isLayer) {
                    String written = qn.startsWith(PACKAGE) ? qn.substring(PACKAGE.length()) : qn;
                    Suggestions.closest(written).ifPresent(s -> reporter.error(field, m, Diagnostic.MISSPELLED, name, written, s));
                    unresolved = true;
                }
                continue;
            }
            if (!qn.startsWith(PACKAGE)) {
                if (isLayer && !qn.startsWith("java.")) {
                    Optional<String> meant = Suggestions.closest(simple);
                    if (meant.isPresent()) reporter.error(field, m, Diagnostic.MISSPELLED, name, simple, meant.get());
                    else reporter.error(field, m, Diagnostic.UNKNOWN_ANNOTATION, name, simple);
                    ok = false;
                }
                continue;
            }
            if (!isLayer) {
                reporter.error(field, m, Diagnostic.NOT_A_LAYER, name, simple, field.asType());
                return Optional.empty();
            }
            if (LayerReader.LAYERS.contains(simple)) {
                if (layerMirror != null) {
                    reporter.error(field, m, Diagnostic.TWO_LAYERS, name, simpleName(layerMirror), simple);
                    ok = false;
                }
                layerMirror = m;
            } else if (LayerReader.ACTIVATIONS.contains(simple)) {
                if (activationMirror != null) {
                    reporter.error(field, m, Diagnostic.TWO_ACTIVATIONS, name, simpleName(activationMirror), simple);
                    ok = false;
                }
                activationMirror = m;
            } else if (qn.startsWith(PACKAGE + "Init.")) {
                if (initMirror != null) {
                    reporter.error(field, m, Diagnostic.TWO_INITS, name, "Init." + simpleName(initMirror), "Init." + simple);
                    ok = false;
                }
                initMirror = m;
            } else {
                AnnotationValues v = AnnotationValues.of(m, elements);
                switch (simple) {
                    case "Repeat" -> {
                        repeat = true;
                        repeatCount = v.integer("value");
                        if (repeatCount < 1) {
                            reporter.error(field, m, Diagnostic.BAD_VALUE, name, "@Repeat", "at least 1", repeatCount);
                            ok = false;
                        }
                    }
                    case "Residual" -> residual = true;
                    case "Output" -> output = true;
                    case "From" -> from = v.strings("value");
                    default -> {
                        reporter.error(field, m, Diagnostic.UNKNOWN_ANNOTATION, name, simple);
                        ok = false;
                    }
                }
            }
        }
        if (!isLayer) return Optional.empty();
        if (unresolved) {
            // Whatever else the field says (no layer left, shapes) would follow from the name javac could not find.
            unresolvedFields++;
            return Optional.empty();
        }
        if (layerMirror == null && activationMirror == null) {
            // A field whose only annotation was reported as unknown needs no second error for missing a layer.
            if (!ok) return Optional.empty();
            reporter.error(field, Diagnostic.MISSING_LAYER, name);
            return Optional.empty();
        }
        Optional<LayerOp.Activation> activation = Optional.ofNullable(activationMirror)
                .map(m -> layers.activation(simpleName(m), AnnotationValues.of(m, elements), field));
        LayerOp op;
        AnnotationMirror where;
        if (layerMirror != null) {
            op = layers.layer(simpleName(layerMirror), AnnotationValues.of(layerMirror, elements), field);
            where = layerMirror;
        } else {
            // An activation on its own field is a layer of its own.
            op = activation.orElseThrow();
            activation = Optional.empty();
            where = activationMirror;
        }
        if (repeat) {
            if (op instanceof LayerOp.Block b) op = new LayerOp.Block(b.model(), repeatCount);
            else {
                reporter.error(field, where, Diagnostic.REPEAT_WITHOUT_BLOCK, name, op.torchName());
                ok = false;
            }
        }
        Optional<InitSpec> init = Optional.empty();
        if (initMirror != null) {
            if (op instanceof LayerOp.Linear || op instanceof LayerOp.Conv2d || op instanceof LayerOp.Embedding) {
                init = Optional.of(InitReader.read(simpleName(initMirror), AnnotationValues.of(initMirror, elements)));
            } else {
                reporter.error(field, initMirror, Diagnostic.INIT_WITHOUT_WEIGHT, name, "Init." + simpleName(initMirror), op.torchName());
                ok = false;
            }
        }
        if (!ok) return Optional.empty();
        return Optional.of(new LayerDecl(name, field, where, op, activation, init, residual, from, output));
    }

    private static boolean hasKilnAnnotation(Element field) {
        return field.getAnnotationMirrors().stream().anyMatch(m -> AnnotationValues.qualifiedName(m).startsWith(PACKAGE));
    }

    private static String simpleName(AnnotationMirror m) { return simpleName(AnnotationValues.qualifiedName(m)); }

    private static String simpleName(String qualified) { return qualified.substring(qualified.lastIndexOf('.') + 1); }
}

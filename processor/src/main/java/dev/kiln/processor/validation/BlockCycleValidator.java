package dev.kiln.processor.validation;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * Checks that no {@code @Block} chain starting at a model leads back to it (a model cannot contain
 * itself), and that every {@code @Block} names a {@code @Model}. Runs before shape inference, which
 * recurses into blocks and must not loop.
 */
public final class BlockCycleValidator {
    private final Reporter reporter;
    private final Elements elements;

    public BlockCycleValidator(Reporter reporter, Elements elements) {
        this.reporter = reporter;
        this.elements = elements;
    }

    /** True when {@code model}'s block graph is acyclic and every block is a model. */
    public boolean validate(TypeElement model) {
        boolean ok = true;
        for (Element field : model.getEnclosedElements()) {
            if (field.getKind() != ElementKind.FIELD) continue;
            Optional<AnnotationMirror> block = ModelReader.mirror(field, ModelReader.PACKAGE + "Block");
            if (block.isEmpty()) continue;
            TypeElement target = AnnotationValues.of(block.get(), elements).type("value");
            if (ModelReader.mirror(target, ModelReader.PACKAGE + "Model").isEmpty()) {
                reporter.error(field, block.get(), Diagnostic.NOT_A_MODEL, field.getSimpleName(), target.getSimpleName() + ".class");
                ok = false;
                continue;
            }
            List<TypeElement> path = new ArrayList<>(List.of(model, target));
            if (leadsBack(target, model, path, new HashSet<>())) {
                String chain = path.stream().map(t -> t.getSimpleName().toString()).collect(Collectors.joining(" -> "));
                reporter.error(field, block.get(), Diagnostic.BLOCK_CYCLE, field.getSimpleName(), target.getSimpleName(),
                        model.getSimpleName(), chain);
                ok = false;
            }
        }
        return ok;
    }

    /** Depth-first search from {@code at} for {@code start}; on success {@code path} ends with {@code start}. */
    private boolean leadsBack(TypeElement at, TypeElement start, List<TypeElement> path, Set<TypeElement> seen) {
        if (at.equals(start)) return true;
        if (!seen.add(at)) return false;
        for (TypeElement next : blocksOf(at)) {
            path.add(next);
            if (leadsBack(next, start, path, seen)) return true;
            path.removeLast();
        }
        return false;
    }

    private List<TypeElement> blocksOf(TypeElement type) {
        List<TypeElement> out = new ArrayList<>();
        for (Element field : type.getEnclosedElements()) {
            if (field.getKind() != ElementKind.FIELD) continue;
            ModelReader.mirror(field, ModelReader.PACKAGE + "Block")
                    .ifPresent(m -> out.add(AnnotationValues.of(m, elements).type("value")));
        }
        return out;
    }
}

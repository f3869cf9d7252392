package dev.kiln.processor.validation;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.util.Elements;

/** Reads a {@code @Shape}: symbolic names first (after N), then the fixed sizes, which must be positive. */
final class ShapeReader {
    private final Reporter reporter;
    private final Elements elements;

    ShapeReader(Reporter reporter, Elements elements) {
        this.reporter = reporter;
        this.elements = elements;
    }

    TensorShape read(Element where, AnnotationMirror outer, AnnotationMirror shape) {
        AnnotationValues v = AnnotationValues.of(shape, elements);
        List<Dim> dims = new ArrayList<>();
        for (String s : v.strings("symbolic")) {
            if (s.isBlank() || s.equals("N")) {
                reporter.error(where, outer, Diagnostic.BAD_VALUE, where.getSimpleName(), "a symbolic dimension",
                        "a name other than N (the batch)", "'" + s + "'");
            }
            dims.add(new Dim.Symbolic(s));
        }
        for (int size : v.ints("value")) {
            if (size <= 0) reporter.error(where, outer, Diagnostic.BAD_VALUE, where.getSimpleName(), "a shape size", "positive", size);
            dims.add(Dim.of(Math.max(size, 1)));
        }
        return new TensorShape(dims);
    }
}

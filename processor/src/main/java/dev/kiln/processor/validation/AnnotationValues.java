package dev.kiln.processor.validation;

import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.util.Elements;

/**
 * Reads an annotation's members, defaults included, through the mirror API: the processor never
 * loads annotation classes, so it works on sources and on class files alike.
 */
public record AnnotationValues(AnnotationMirror mirror, Map<String, Object> values) {
    public static AnnotationValues of(AnnotationMirror mirror, Elements elements) {
        Map<String, Object> values = new java.util.HashMap<>();
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : elements.getElementValuesWithDefaults(mirror).entrySet()) {
            values.put(e.getKey().getSimpleName().toString(), e.getValue().getValue());
        }
        return new AnnotationValues(mirror, values);
    }

    /** The annotation's qualified name, nested types with dots: {@code dev.kiln.annotations.Init.Zeros}. */
    public static String qualifiedName(AnnotationMirror mirror) {
        return ((TypeElement) mirror.getAnnotationType().asElement()).getQualifiedName().toString();
    }

    public int integer(String name) { return ((Number) values.get(name)).intValue(); }

    public double real(String name) { return ((Number) values.get(name)).doubleValue(); }

    public boolean bool(String name) { return (Boolean) values.get(name); }

    public int[] ints(String name) {
        List<?> list = (List<?>) values.get(name);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) ((AnnotationValue) list.get(i)).getValue()).intValue();
        return out;
    }

    public List<String> strings(String name) {
        return ((List<?>) values.get(name)).stream().map(v -> (String) ((AnnotationValue) v).getValue()).toList();
    }

    public AnnotationMirror annotation(String name) { return (AnnotationMirror) values.get(name); }

    public TypeElement type(String name) {
        return (TypeElement) ((DeclaredType) values.get(name)).asElement();
    }
}

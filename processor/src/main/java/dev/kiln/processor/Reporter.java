package dev.kiln.processor;

import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic.Kind;

/**
 * Reports {@link Diagnostic}s as javac errors on the element at fault and counts them, so each stage
 * can keep going (several problems per compile) and the processor can skip writing code for a model
 * with errors. A silent reporter only counts: blocks are re-inferred inside their users without
 * printing their own errors twice.
 */
public final class Reporter {
    private final Messager messager;
    private final boolean silent;
    private int errors;

    public Reporter(Messager messager) { this(messager, false); }

    private Reporter(Messager messager, boolean silent) {
        this.messager = messager;
        this.silent = silent;
    }

    public Reporter silent() { return new Reporter(messager, true); }

    public void error(Element element, Diagnostic d, Object... args) { error(element, null, d, args); }

    /** With a mirror javac points at the annotation itself, which is where the faulty value is written. */
    public void error(Element element, AnnotationMirror mirror, Diagnostic d, Object... args) {
        errors++;
        if (silent) return;
        if (mirror == null) messager.printMessage(Kind.ERROR, d.format(args), element);
        else messager.printMessage(Kind.ERROR, d.format(args), element, mirror);
    }

    public int errors() { return errors; }
}

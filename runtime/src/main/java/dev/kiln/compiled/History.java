package dev.kiln.compiled;

import java.util.List;
import java.util.OptionalDouble;

/** What {@link Trainer#fit} did, one entry per epoch run; {@code stoppedEarly} tells why it ended. */
public record History(List<Epoch> epochs, boolean stoppedEarly) {
    /**
     * One epoch's means over the training samples; accuracy only for classification losses, the
     * validation figures only when a validation set was given.
     */
    public record Epoch(int epoch, double loss, OptionalDouble accuracy, OptionalDouble valLoss, OptionalDouble valAccuracy,
                        double seconds) {}

    public Epoch last() { return epochs.getLast(); }
}

package dev.kiln.nn.init;

/** Which fan Kaiming initialisation scales by: {@code 'fan_in'} keeps forward variance, {@code 'fan_out'} backward. */
public enum FanMode {
    FAN_IN,
    FAN_OUT
}

package dev.connstate.config;

/**
 * Input limits enforced at ingress with failure 400 (DESIGN §2). Defaults: keys of 1 to 128
 * characters, values of at most 4 KiB (UTF-8 bytes), at most 64 keys per update.
 *
 * @param maxKeyLength longest metadata key, in characters
 * @param maxValueBytes longest metadata value, in UTF-8 bytes
 * @param maxKeysPerUpdate most metadata keys in one register or update
 * @param maxFieldLength longest ipAddress, hostname, connectionType, owner or reason, in characters
 * @param maxTouchHandles most handles in one touch
 * @param maxListLimit largest page a list may ask for
 * @param maxMetadataKeys most metadata keys one connection may hold (DESIGN §8)
 * @param maxMetadataBytes most UTF-8 bytes of metadata keys and values one connection may hold
 * @param maxReplyBytes a list page ends once its connections reach about this size (the cursor
 *     goes on from there)
 */
public record Limits(int maxKeyLength, int maxValueBytes, int maxKeysPerUpdate, int maxFieldLength,
                     int maxTouchHandles, int maxListLimit, int maxMetadataKeys, int maxMetadataBytes,
                     int maxReplyBytes) {
}

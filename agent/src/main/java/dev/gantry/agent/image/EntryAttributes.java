package dev.gantry.agent.image;

/** Ownership, permission bits and mtime of a tar entry, applied after the entry is created. */
record EntryAttributes(int mode, int uid, int gid, long mtimeSeconds, long mtimeNanos) {
  EntryAttributes {
    mode &= 07777; // permission, setuid/setgid and sticky bits only; the type comes from the entry
  }
}

/** The few Linux syscalls the JDK lacks, through JNA (openat2, mount, umount2, kill...). */
package dev.gantry.agent.sys;

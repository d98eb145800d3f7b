import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native agent into a running JVM with its options passed as they are (jcmd's JVMTI.agent_load splits them at
 * '='): bench/validate-alloc.sh starts and stops async-profiler's allocation profile around the measured run with it.
 * Usage: java bench/AgentLoad.java PID LIBRARY OPTIONS
 */
public class AgentLoad {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args[2]);
        } finally {
            vm.detach();
        }
    }
}

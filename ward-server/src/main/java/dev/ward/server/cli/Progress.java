package dev.ward.server.cli;

import java.io.PrintStream;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Long work's progress as API.md wants it: a bar on a terminal, plain lines otherwise (a bar redrawn into a log
 * or a pipe comes out as repeated copies). Off a terminal it prints a line each tenth of the way and at the end.
 */
final class Progress implements LongConsumer, AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream out;
    private final String task;
    private final long total;
    private long printedTenths = -1;

    private Progress(ProgressBar bar, PrintStream out, String task, long total) {
        this.bar = bar;
        this.out = out;
        this.task = task;
        this.total = total;
    }

    static Progress of(String task, long total, PrintStream out) {
        if (CleanupCommand.terminal() != null) {
            return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200).continuousUpdate().build(), out, task, total);
        }
        return new Progress(null, out, task, total);
    }

    @Override
    public void accept(long done) {
        if (bar != null) {
            bar.stepTo(done);
            return;
        }
        long tenths = total == 0 ? 10 : Math.min(10, done * 10 / total);
        if (tenths > printedTenths && (tenths > 0 || done == total)) {
            out.println(task + ": " + done + " of " + total);
            printedTenths = tenths;
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}

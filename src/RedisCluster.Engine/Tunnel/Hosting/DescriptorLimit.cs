using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace RedisCluster.Engine.Tunnel.Hosting
{
    /// <summary>
    /// The process's limit on open file descriptors (the soft RLIMIT_NOFILE, what <c>ulimit -n</c> shows):
    /// every client and upstream socket takes one, and so does the runtime itself (a new thread needs one),
    /// so a tunnel that uses them all up is ended by the runtime, not by an exception it could catch.
    /// </summary>
    internal static class DescriptorLimit
    {
        /// <summary>The soft limit, or null where there is none to read (Windows) or it cannot be read.</summary>
        public static long? Current()
        {
            try
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                {
                    return FromProcLimits(File.ReadAllLines("/proc/self/limits"));
                }

                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                {
                    const int RlimitNofileMac = 8;
                    return getrlimit(RlimitNofileMac, out RLimit limit) == 0 ? ToLimit(limit.Current) : null;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
            }

            return null;
        }

        /// <summary>Reads "Max open files  &lt;soft&gt;  &lt;hard&gt;  files" from /proc/self/limits.</summary>
        internal static long? FromProcLimits(string[] lines)
        {
            foreach (string line in lines)
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] parts = line.Substring("Max open files".Length).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong soft))
                {
                    return ToLimit(soft);
                }

                return null;
            }

            return null;
        }

        private static long? ToLimit(ulong value) => value >= long.MaxValue ? (long?)null : (long)value;

        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit
        {
            public ulong Current;
            public ulong Maximum;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int getrlimit(int resource, out RLimit limit);
    }
}

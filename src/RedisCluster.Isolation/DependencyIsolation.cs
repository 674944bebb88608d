using System;
using System.Reflection;
using System.Runtime.Loader;

namespace RedisCluster.Isolation
{
    /// <summary>
    /// Sends the default load context's requests for the module's entry-point dependency (RedisCluster.Pem, which
    /// the engine loads by name) to <see cref="DependencyLoadContext"/>. Everything that assembly then needs from
    /// the Dependencies folder (BouncyCastle) is resolved by that context, so only this one name ever crosses over.
    /// </summary>
    /// <remarks>
    /// Called by reflection from the cmdlet assembly's module initializer (which cannot reference this
    /// net8.0 assembly); keep the signatures of <see cref="Enable"/> and <see cref="Disable"/> stable.
    /// </remarks>
    public static class DependencyIsolation
    {
        private static readonly object Gate = new object();
        private static DependencyLoadContext? _context;
        private static string? _entryAssemblyName;

        /// <summary>Starts resolving <paramref name="entryAssemblyName"/> from <paramref name="dependencyDirectory"/>.</summary>
        public static void Enable(string dependencyDirectory, string entryAssemblyName)
        {
            lock (Gate)
            {
                // One context per process: RedisCluster.Pem must be loaded once, whatever the number of imports.
                _context ??= new DependencyLoadContext(dependencyDirectory);
                _entryAssemblyName = entryAssemblyName;
                AssemblyLoadContext.Default.Resolving -= ResolveEntryAssembly;
                AssemblyLoadContext.Default.Resolving += ResolveEntryAssembly;
            }
        }

        /// <summary>Stops resolving; an entry assembly that is already loaded stays bound to the engine.</summary>
        public static void Disable()
        {
            lock (Gate)
            {
                AssemblyLoadContext.Default.Resolving -= ResolveEntryAssembly;
            }
        }

        private static Assembly? ResolveEntryAssembly(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            var context = _context;
            if (context == null || !string.Equals(name.Name, _entryAssemblyName, StringComparison.Ordinal))
            {
                // Not ours: another handler (or no one) answers, and other modules never get our copies.
                return null;
            }

            // Null when the file is missing: the load then fails with FileNotFoundException for the engine to report.
            return context.LoadShipped(name);
        }
    }
}

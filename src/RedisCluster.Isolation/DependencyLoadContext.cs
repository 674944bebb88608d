using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace RedisCluster.Isolation
{
    /// <summary>
    /// The module's private load context: the libraries in the module's Dependencies folder (RedisCluster.Pem and
    /// BouncyCastle.Cryptography), so that a different version of BouncyCastle that another module loaded into the
    /// session never meets ours.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _dependencyDirectory;
        private readonly string _frameworkDirectory;

        public DependencyLoadContext(string dependencyDirectory)
            : base("RedisCluster", isCollectible: false)
        {
            _dependencyDirectory = dependencyDirectory;
            // The shared framework that pwsh runs on (Microsoft.NETCore.App/<version>/).
            _frameworkDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        }

        /// <summary>
        /// The shipped assembly <paramref name="assemblyName"/> in this context, or null when Dependencies/ lacks it.
        /// For the default context's Resolving event, which must not call <see cref="AssemblyLoadContext.LoadFromAssemblyName"/>:
        /// for a missing file that falls back to the default context, which raises Resolving again, without end.
        /// </summary>
        public Assembly? LoadShipped(AssemblyName assemblyName)
        {
            foreach (var loaded in Assemblies)
            {
                if (string.Equals(loaded.GetName().Name, assemblyName.Name, System.StringComparison.Ordinal))
                {
                    return loaded;
                }
            }

            var path = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var fileName = assemblyName.Name + ".dll";

            // A framework assembly must come from the framework even if a netstandard2.0 copy of it ever ships in
            // Dependencies/: a second Span<T> or PipeReader is one the framework's own types do not accept.
            if (File.Exists(Path.Combine(_frameworkDirectory, fileName)))
            {
                return null;
            }

            // Null for everything else too, RedisCluster.Engine above all: the default context, which already
            // holds the engine that asked for RedisCluster.Pem, answers, so both sides see one IPemReader type.
            var path = Path.Combine(_dependencyDirectory, fileName);
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

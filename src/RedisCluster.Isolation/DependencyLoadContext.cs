using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace RedisCluster.Isolation
{
    /// <summary>
    /// The module's private load context: the engine and the libraries shipped with it in the module's
    /// Dependencies folder, so that a different version of one of them (BouncyCastle.Cryptography) that
    /// another module loaded into the session never meets ours.
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

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var fileName = assemblyName.Name + ".dll";

            // Dependencies/ also holds the netstandard2.0 packages that Windows PowerShell needs (System.Memory,
            // System.IO.Pipelines...). On .NET they are part of the framework and must come from it: a second
            // copy would be a second Span<T> or PipeReader that the framework's own types do not accept.
            // Null hands the name to the default context, which has the framework.
            if (File.Exists(Path.Combine(_frameworkDirectory, fileName)))
            {
                return null;
            }

            var path = Path.Combine(_dependencyDirectory, fileName);
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

using Mono.Cecil;
using Mono.Cecil.Cil;
using Microsoft.ML.Subspaces.Shapes;
using Microsoft.ML.Subspaces.Transformers;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>
/// Keeps docs/ARCHITECTURE.md true: the engine (Microsoft.ML.Subspaces.Core) knows nothing of ML.NET, no two
/// namespaces (one per folder) of the library depend on each other, and the engine's public surface stays small.
/// </summary>
public class ArchitectureTests
{
    static readonly string CorePath = typeof(SubspaceShape).Assembly.Location;
    static readonly string AdapterPath = typeof(SubspaceTransformer).Assembly.Location;

    [Fact]
    public void CoreReferencesNoMlNetAssembly()
    {
        using var core = AssemblyDefinition.ReadAssembly(CorePath);
        var references = core.MainModule.AssemblyReferences.Select(r => r.Name).ToList();
        Assert.Contains("TorchSharp", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.ML", StringComparison.Ordinal));
    }

    [Fact]
    public void AdapterReferencesCore()
    {
        using var adapter = AssemblyDefinition.ReadAssembly(AdapterPath);
        Assert.Contains(adapter.MainModule.AssemblyReferences, r => r.Name == "Microsoft.ML.Subspaces.Core");
    }

    [Fact]
    public void NamespacesOfTheLibraryFormNoCycle()
    {
        var graph = NamespaceGraph.Read(CorePath, AdapterPath);
        // The reader sees dependencies at all: a transformer holds a network, a trainer runs the training loop.
        Assert.True(graph.Uses("Microsoft.ML.Subspaces.Transformers", "Microsoft.ML.Subspaces.Networks"));
        Assert.True(graph.Uses("Microsoft.ML.Subspaces.Trainers", "Microsoft.ML.Subspaces.Optimization"));
        var cycle = graph.FindCycle();
        Assert.True(cycle is null, cycle is null ? "" : "namespace cycle: " + string.Join(" -> ", cycle) + "\n" + graph.Explain(cycle));
    }

    [Fact]
    public void NamespacesUseOnlyThoseListedBeforeThemInArchitectureMd()
    {
        var order = DocumentedOrder();
        Assert.True(order.Count >= 10, $"read {order.Count} namespaces from docs/ARCHITECTURE.md");
        var graph = NamespaceGraph.Read(CorePath, AdapterPath);
        var undocumented = graph.Namespaces.Where(n => !order.ContainsKey(n)).ToList();
        Assert.True(undocumented.Count == 0, "namespaces missing from docs/ARCHITECTURE.md: " + string.Join(", ", undocumented));
        var violations = graph.Edges.Where(e => order[e.To] >= order[e.From]).Select(e => $"{e.From} -> {e.To} ({e.Example})").ToList();
        Assert.True(violations.Count == 0, "uses of a namespace listed later in docs/ARCHITECTURE.md:\n" + string.Join("\n", violations));
    }

    /// <summary>The table of docs/ARCHITECTURE.md: namespace -> its position (short names are under Microsoft.ML.Subspaces).</summary>
    private static Dictionary<string, int> DocumentedOrder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Subspaces.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var row = new System.Text.RegularExpressions.Regex(@"^\| (\d+) \| `([A-Za-z.]+)` \|");
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(directory!.FullName, "docs", "ARCHITECTURE.md")))
        {
            var m = row.Match(line);
            if (!m.Success) continue;
            string name = m.Groups[2].Value;
            order[name.Contains('.') ? name : "Microsoft.ML.Subspaces." + name] = int.Parse(m.Groups[1].Value);
        }
        return order;
    }

    [Fact]
    public void CycleDetectionFindsACycle()
    {
        // The detector itself must be able to fail: a hand-made graph with a cycle.
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "A.X uses B.Y");
        graph.Add("B", "C", "B.Y uses C.Z");
        graph.Add("C", "A", "C.Z uses A.X");
        graph.Add("C", "D", "C.Z uses D.W");
        var cycle = graph.FindCycle();
        Assert.NotNull(cycle);
        Assert.Equal(4, cycle!.Count); // A -> B -> C -> A, in some rotation
        Assert.Equal(cycle[0], cycle[^1]);
        Assert.Null(new NamespaceGraph().FindCycle());
    }

    [Fact]
    public void CorePublicSurfaceIsSmallAndDocumented()
    {
        using var core = AssemblyDefinition.ReadAssembly(CorePath);
        var publicTypes = core.MainModule.Types.Where(t => t.IsPublic).Select(t => t.FullName).OrderBy(n => n).ToList();
        Assert.True(publicTypes.Count <= 25, $"{publicTypes.Count} public types in the core (at most 25): {string.Join(", ", publicTypes)}");

        var documentation = System.Xml.Linq.XDocument.Load(Path.ChangeExtension(CorePath, ".xml"));
        var documented = documentation.Descendants("member").Select(m => (string?)m.Attribute("name")).ToHashSet();
        var undocumented = publicTypes.Where(n => !documented.Contains("T:" + n)).ToList();
        Assert.True(undocumented.Count == 0, "public core types without XML docs: " + string.Join(", ", undocumented));
    }

    /// <summary>Which namespace of the library uses which, read from signatures and method bodies.</summary>
    sealed class NamespaceGraph
    {
        readonly Dictionary<string, Dictionary<string, string>> edges = new(StringComparer.Ordinal);

        public void Add(string from, string to, string example)
        {
            if (from == to) return;
            if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = new(StringComparer.Ordinal);
            targets.TryAdd(to, example);
            edges.TryAdd(to, new(StringComparer.Ordinal));
        }

        public IEnumerable<string> Namespaces => edges.Keys;

        public IEnumerable<(string From, string To, string Example)> Edges =>
            edges.SelectMany(e => e.Value.Select(t => (e.Key, t.Key, t.Value)));

        public bool Uses(string from, string to) => edges.TryGetValue(from, out var targets) && targets.ContainsKey(to);

        public static NamespaceGraph Read(params string[] paths)
        {
            var graph = new NamespaceGraph();
            var assemblies = paths.Select(p => AssemblyDefinition.ReadAssembly(p)).ToList();
            try
            {
                var ours = assemblies.Select(a => a.Name.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var type in assemblies.SelectMany(a => a.MainModule.GetTypes()))
                {
                    var from = NamespaceOf(type);
                    if (!IsLibrary(from)) continue; // <Module>, <PrivateImplementationDetails>, compiler-embedded attributes
                    foreach (var used in UsedTypes(type))
                    {
                        var scope = used.Scope is ModuleDefinition m ? m.Assembly.Name.Name : used.Scope?.Name;
                        if (scope is null || !ours.Contains(scope)) continue;
                        var to = NamespaceOf(used);
                        if (IsLibrary(to)) graph.Add(from, to, $"{type.FullName} uses {used.FullName}");
                    }
                }
            }
            finally
            {
                foreach (var a in assemblies) a.Dispose();
            }
            return graph;
        }

        /// <summary>A cycle as a list of namespaces whose first and last are the same, or null.</summary>
        public List<string>? FindCycle()
        {
            var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the stack, 2 finished
            var stack = new List<string>();
            foreach (var start in edges.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                var cycle = Visit(start);
                if (cycle is not null) return cycle;
            }
            return null;

            List<string>? Visit(string node)
            {
                if (state.TryGetValue(node, out var s))
                    return s == 1 ? stack.Skip(stack.IndexOf(node)).Append(node).ToList() : null;
                state[node] = 1;
                stack.Add(node);
                foreach (var next in edges[node].Keys.OrderBy(k => k, StringComparer.Ordinal))
                {
                    var cycle = Visit(next);
                    if (cycle is not null) return cycle;
                }
                stack.RemoveAt(stack.Count - 1);
                state[node] = 2;
                return null;
            }
        }

        public string Explain(List<string> cycle) =>
            string.Join("\n", cycle.Zip(cycle.Skip(1), (a, b) => $"  {a} -> {b}: {edges[a][b]}"));

        static bool IsLibrary(string ns) => ns == "Microsoft.ML" || ns.StartsWith("Microsoft.ML.Subspaces", StringComparison.Ordinal);

        static string NamespaceOf(TypeReference type)
        {
            while (type.DeclaringType is not null) type = type.DeclaringType;
            return type.Namespace;
        }

        static IEnumerable<TypeReference> UsedTypes(TypeDefinition type)
        {
            var found = new List<TypeReference>();
            void Add(TypeReference? t)
            {
                switch (t)
                {
                    case null: return;
                    case GenericInstanceType g:
                        Add(g.ElementType);
                        foreach (var a in g.GenericArguments) Add(a);
                        return;
                    case TypeSpecification s:
                        Add(s.ElementType);
                        return;
                    case GenericParameter:
                        return;
                    default:
                        found.Add(t);
                        return;
                }
            }
            void AddMember(MemberReference member)
            {
                Add(member.DeclaringType);
                switch (member)
                {
                    case MethodReference m:
                        Add(m.ReturnType);
                        foreach (var p in m.Parameters) Add(p.ParameterType);
                        if (m is GenericInstanceMethod gm) foreach (var a in gm.GenericArguments) Add(a);
                        break;
                    case FieldReference f:
                        Add(f.FieldType);
                        break;
                }
            }

            Add(type.BaseType);
            foreach (var i in type.Interfaces) Add(i.InterfaceType);
            foreach (var a in type.CustomAttributes) Add(a.AttributeType);
            foreach (var f in type.Fields) Add(f.FieldType);
            foreach (var p in type.Properties) Add(p.PropertyType);
            foreach (var e in type.Events) Add(e.EventType);
            foreach (var method in type.Methods)
            {
                AddMember(method);
                foreach (var a in method.CustomAttributes) Add(a.AttributeType);
                if (!method.HasBody) continue;
                foreach (var v in method.Body.Variables) Add(v.VariableType);
                foreach (var instruction in method.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case TypeReference t: Add(t); break;
                        case MemberReference m: AddMember(m); break;
                    }
                }
            }
            return found;
        }
    }
}

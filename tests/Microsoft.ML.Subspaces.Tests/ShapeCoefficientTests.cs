using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Subspaces.Shapes;

namespace Microsoft.ML.Subspaces.Tests;

/// <summary>Mixing coefficients, centers, endpoints, sampling and validation of every shape.</summary>
public class ShapeCoefficientTests
{
    private static void AssertCoefficients(SubspaceShape shape, double[] position, params double[] expected)
    {
        var c = shape.Coefficients(position);
        Assert.Equal(expected.Length, c.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - c[i]) < 1e-12,
                $"{shape.Name} at {SubspaceShape.Format(position)}: c[{i}] = {c[i]:R}, expected {expected[i]:R}.");
    }

    [Fact]
    public void Line_coefficients_at_ends_midpoint_and_inside()
    {
        var line = LineSubspace.Instance;
        Assert.Equal(2, line.PointCount);
        AssertCoefficients(line, new[] { 0.0 }, 1, 0);
        AssertCoefficients(line, new[] { 1.0 }, 0, 1);
        AssertCoefficients(line, new[] { 0.5 }, 0.5, 0.5);
        AssertCoefficients(line, new[] { 0.3 }, 0.7, 0.3);
        Assert.Equal(new[] { 0.5 }, line.Center);
        Assert.Equal(new[] { new[] { 0.0 }, new[] { 1.0 } }, line.Endpoints);
    }

    [Fact]
    public void Bezier_coefficients_at_ends_midpoint_and_inside()
    {
        var curve = BezierCurve.Instance;
        Assert.Equal(3, curve.PointCount);
        AssertCoefficients(curve, new[] { 0.0 }, 1, 0, 0);
        AssertCoefficients(curve, new[] { 1.0 }, 0, 0, 1);
        AssertCoefficients(curve, new[] { 0.5 }, 0.25, 0.5, 0.25);
        // a = 0.2: (0.8^2, 2 * 0.2 * 0.8, 0.2^2); the control point is the middle slot.
        AssertCoefficients(curve, new[] { 0.2 }, 0.64, 0.32, 0.04);
        Assert.Equal(new[] { 0.5 }, curve.Center);
        Assert.Equal(new[] { new[] { 0.0 }, new[] { 1.0 } }, curve.Endpoints);
    }

    [Fact]
    public void Bezier_with_three_bends_has_the_quartic_Bernstein_coefficients()
    {
        var curve = BezierCurve.WithBends(3);
        Assert.Equal(5, curve.PointCount);
        AssertCoefficients(curve, new[] { 0.0 }, 1, 0, 0, 0, 0);
        AssertCoefficients(curve, new[] { 1.0 }, 0, 0, 0, 0, 1);
        AssertCoefficients(curve, new[] { 0.5 }, 1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0);
        // a = 0.25: C(4, j) 0.25^j 0.75^(4 - j).
        AssertCoefficients(curve, new[] { 0.25 }, 81 / 256.0, 108 / 256.0, 54 / 256.0, 12 / 256.0, 1 / 256.0);
        Assert.Same(BezierCurve.Instance, BezierCurve.WithBends(1));
        Assert.Same(curve, SubspaceShape.FromName(curve.Name));
        Assert.Equal("curve3", curve.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => BezierCurve.WithBends(0));
        Assert.Throws<InvalidDataException>(() => SubspaceShape.FromName("curve99"));
    }

    [Fact]
    public void Chain_with_three_bends_passes_through_each_bend_at_quarters()
    {
        var chain = PolygonalChain.WithBends(3);
        Assert.Equal(5, chain.PointCount);
        AssertCoefficients(chain, new[] { 0.0 }, 1, 0, 0, 0, 0);
        AssertCoefficients(chain, new[] { 0.25 }, 0, 1, 0, 0, 0);
        AssertCoefficients(chain, new[] { 0.375 }, 0, 0.5, 0.5, 0, 0);
        AssertCoefficients(chain, new[] { 0.75 }, 0, 0, 0, 1, 0);
        AssertCoefficients(chain, new[] { 1.0 }, 0, 0, 0, 0, 1);
        AssertCoefficients(PolygonalChain.WithBends(1), new[] { 0.25 }, 0.5, 0.5, 0);
        Assert.Same(chain, SubspaceShape.FromName("chain3"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Simplex_coefficients_at_vertices_and_centroid(int n)
    {
        var simplex = new SimplexSubspace(n);
        Assert.Equal(n, simplex.PointCount);
        Assert.Equal(n, simplex.PositionLength);
        Assert.Equal("simplex" + n, simplex.Name);
        Assert.Equal(n, simplex.Endpoints.Count);
        for (int v = 0; v < n; v++)
        {
            var vertex = new double[n];
            vertex[v] = 1;
            Assert.Equal(vertex, simplex.Endpoints[v]);
            AssertCoefficients(simplex, vertex, vertex); // the vertex network is point v alone
        }
        var centroid = Enumerable.Repeat(1.0 / n, n).ToArray();
        Assert.Equal(centroid, simplex.Center);
        AssertCoefficients(simplex, simplex.Center, centroid);
        Assert.Equal(1.0, simplex.Coefficients(simplex.Center).Sum(), 12);
    }

    [Fact]
    public void Simplex_with_fewer_than_two_vertices_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexSubspace(1));
        Assert.Equal("vertices", e.ParamName);
    }

    [Fact]
    public void Single_point_has_one_coefficient_of_one()
    {
        var point = SinglePoint.Instance;
        Assert.Equal(1, point.PointCount);
        Assert.Equal(0, point.PositionLength);
        AssertCoefficients(point, Array.Empty<double>(), 1);
        AssertCoefficients(point, point.Center, 1);
        Assert.Empty(point.Sample(new Random(1)));
    }

    [Fact]
    public void Line_and_curve_coefficients_sum_to_one_and_are_non_negative_for_any_a()
    {
        // a in [0, 1] on a fine grid that includes both ends.
        var positions = Gen.Choose(0, 1_000_000).Select(i => i / 1_000_000.0).ToArbitrary();
        Prop.ForAll(positions, a =>
        {
            foreach (SubspaceShape shape in new SubspaceShape[] { LineSubspace.Instance, BezierCurve.Instance })
            {
                var c = shape.Coefficients(new[] { a });
                if (c.Length != shape.PointCount || c.Any(v => v < 0) || Math.Abs(c.Sum() - 1) > 1e-12) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Sampled_positions_are_valid_and_their_coefficients_sum_to_one()
    {
        var seeds = ArbMap.Default.ArbFor<int>();
        var shapes = new SubspaceShape[] { LineSubspace.Instance, BezierCurve.Instance, new SimplexSubspace(2), new SimplexSubspace(3), new SimplexSubspace(5), SinglePoint.Instance };
        Prop.ForAll(seeds, seed =>
        {
            var random = new Random(seed);
            foreach (var shape in shapes)
            {
                var position = shape.Sample(random);
                if (position.Length != shape.PositionLength) return false;
                if (position.Any(v => !(v >= 0 && v <= 1))) return false;
                shape.Validate(position); // throws when not on the shape
                var c = shape.Coefficients(position);
                if (c.Length != shape.PointCount || c.Any(v => v < 0) || Math.Abs(c.Sum() - 1) > 1e-9) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Simplex_samples_cover_the_simplex_not_only_its_vertices()
    {
        // Dirichlet(1, 1, 1): each coordinate has mean 1/3; 4,000 draws put the sample mean within 0.02 of it.
        var simplex = new SimplexSubspace(3);
        var random = new Random(7);
        var mean = new double[3];
        const int draws = 4000;
        for (int i = 0; i < draws; i++)
        {
            var t = simplex.Sample(random);
            for (int j = 0; j < 3; j++) mean[j] += t[j] / draws;
        }
        foreach (var m in mean) Assert.InRange(m, 1.0 / 3 - 0.02, 1.0 / 3 + 0.02);
    }

    public static TheoryData<string, double[]> OffShapePositions => new()
    {
        { "line", new[] { -0.1 } },
        { "line", new[] { 1.0000001 } },
        { "line", new[] { double.NaN } },
        { "line", new[] { double.PositiveInfinity } },
        { "line", Array.Empty<double>() },
        { "line", new[] { 0.2, 0.8 } },
        { "curve", new[] { -1e-9 } },
        { "curve", new[] { 1.5 } },
        { "curve", new[] { double.NaN } },
        { "curve", new[] { 0.5, 0.5 } },
        { "simplex3", new[] { 0.5, 0.3, 0.1 } },       // sums to 0.9
        { "simplex3", new[] { 0.6, 0.6, -0.2 } },      // sums to 1, one coordinate negative
        { "simplex3", new[] { 0.5, 0.5 } },            // wrong count
        { "simplex3", new[] { 0.25, 0.25, 0.25, 0.25 } },
        { "simplex3", new[] { double.NaN, 0.5, 0.5 } },
        { "simplex2", new[] { 0.7 } },
        { "point", new[] { 0.5 } },
    };

    [Theory]
    [MemberData(nameof(OffShapePositions))]
    public void Validate_and_Coefficients_reject_positions_off_the_shape(string shapeName, double[] position)
    {
        var shape = SubspaceShape.FromName(shapeName);
        Assert.Throws<ArgumentOutOfRangeException>(() => shape.Validate(position));
        Assert.Throws<ArgumentOutOfRangeException>(() => shape.Coefficients(position));
    }

    [Fact]
    public void Validation_messages_name_the_offending_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LineSubspace.Instance.Validate(new[] { 1.5 }));
        Assert.Contains("1.5", e.Message);
        var s = Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexSubspace(3).Validate(new[] { 0.5, 0.3, 0.1 }));
        Assert.Contains("sum", s.Message);
        Assert.Contains("0.9", s.Message);
        var n = Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexSubspace(3).Validate(new[] { 0.5, 0.5 }));
        Assert.Contains("got 2", n.Message);
    }

    [Fact]
    public void Positions_on_the_shape_are_accepted()
    {
        LineSubspace.Instance.Validate(new[] { 0.0 });
        LineSubspace.Instance.Validate(new[] { 1.0 });
        BezierCurve.Instance.Validate(new[] { 0.999 });
        new SimplexSubspace(3).Validate(new[] { 0.2, 0.3, 0.5 });
        new SimplexSubspace(3).Validate(new[] { 0.1 + 0.2, 0.3, 0.4 }); // 0.1 + 0.2 != 0.3 exactly: within tolerance
        SinglePoint.Instance.Validate(Array.Empty<double>());
        Assert.Equal(new[] { 0.2, 0.3, 0.5 }, new SimplexSubspace(3).Coefficients(new[] { 0.2, 0.3, 0.5 }));
    }

    [Theory]
    [InlineData("line")]
    [InlineData("curve")]
    [InlineData("simplex4")]
    [InlineData("point")]
    public void Shapes_round_trip_through_their_names(string name)
    {
        Assert.Equal(name, SubspaceShape.FromName(name).Name);
    }

    [Fact]
    public void Unknown_shape_name_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => SubspaceShape.FromName("torus"));
    }
}

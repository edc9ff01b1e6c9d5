//! Cameras and zones from real files: the OSM cameras an import keeps (Helsinki), a CSV, and
//! the Jakarta kelurahan / kecamatan polygons as zones.

use crate::common;

use pantau::basemap::{import, Archive, ImportOptions};
use pantau::layer_files::{cameras_from_archive, load_cameras, load_zones};

#[test]
fn helsinki_osm_cameras_come_back_from_the_archive() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("helsinki.pmtiles");
    let options =
        ImportOptions { min_zoom: 12, ..ImportOptions::new(vec![common::data("osm/helsinki.osm.pbf")], out.clone()) };
    import(&options).expect("import");
    let cameras = cameras_from_archive(&Archive::open(&out).expect("open")).expect("cameras");
    assert_eq!(cameras.len(), 221, "the extract's man_made=surveillance nodes");
    for c in &cameras {
        assert!((24.9..25.0).contains(&c.lon) && (60.1..60.2).contains(&c.lat), "{c:?} is in central Helsinki");
        assert!(c.direction.is_none_or(|d| (0.0..360.0).contains(&d)) && c.fov > 0.0 && c.range > 0.0);
    }
    // This extract's cameras do not say where they look: they are kept as unknown, not north.
    assert!(cameras.iter().all(|c| c.direction.is_none()), "no camera:direction in the extract");
    let ids: std::collections::HashSet<_> = cameras.iter().map(|c| &c.id).collect();
    assert_eq!(ids.len(), 221, "ids are unique");
}

#[test]
fn cameras_from_csv_and_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = dir.path().join("cctv.csv");
    std::fs::write(
        &good,
        "id,name,lon,lat,direction,fov,range,ptz,stream_url\n\
         c1,Bundaran HI north,106.8229,-6.1935,0,70,120,false,rtsp://10.0.0.5/hi-n\n\
         c2,Monas dome,106.8272,-6.1754,,,,true,\n\
         c3,Semanggi,106.8133,-6.2196,SW,,,,\n",
    )
    .expect("write");
    let cams = load_cameras(&good).expect("load");
    assert_eq!(cams.len(), 3);
    assert_eq!(
        (cams[0].fov, cams[0].range, cams[0].stream_url.as_deref()),
        (70.0, 120.0, Some("rtsp://10.0.0.5/hi-n"))
    );
    assert_eq!((cams[1].ptz, cams[1].fov), (true, 360.0));
    assert_eq!(cams[2].direction, Some(225.0));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,name,lon,lat\nc1,x,106.8,-6.2\nc2,y,east,-6.2\n").expect("write");
    let err = format!("{:#}", load_cameras(&bad).expect_err("bad row"));
    assert!(err.contains("bad.csv") && err.contains("row 3"), "{err}");
}

#[test]
fn jakarta_polygons_become_zones() {
    let kelurahan = load_zones(&common::data("jakarta/kelurahan_2025.geojson")).expect("kelurahan");
    assert_eq!(kelurahan.len(), 267);
    assert!(kelurahan.iter().all(|z| z.level == 7 && !z.name.is_empty()));
    let codes: std::collections::HashSet<_> = kelurahan.iter().map(|z| &z.code).collect();
    assert_eq!(codes.len(), 267, "Kemendagri codes are unique");
    let kecamatan = load_zones(&common::data("jakarta/kecamatan_jakarta.shp")).expect("kecamatan");
    assert_eq!(kecamatan.len(), 42);
    assert!(
        kecamatan.iter().all(|z| z.level == 6 && !z.name.is_empty()),
        "{:?}",
        kecamatan.first().map(|z| (&z.name, z.level))
    );
    let err = format!("{:#}", load_zones(&common::data("jakarta/jakarta_roads.shp")).expect_err("lines are not zones"));
    assert!(err.contains("no polygons"), "{err}");
}

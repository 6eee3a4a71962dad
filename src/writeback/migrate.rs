//! `imagescan migrate`: moves `imageScans` out of fleet.yaml into imagescan.yaml.

package feedsim

// Given and family names common in Banten, for simulated people only.
var (
	maleNames = []string{"Ahmad", "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Iwan", "Joko", "Kurnia",
		"Lukman", "Mulyadi", "Nana", "Oman", "Pandi", "Rahmat", "Saepul", "Tatang", "Ujang", "Wawan",
		"Yadi", "Zaenal", "Asep", "Dadang", "Endang", "Haerul", "Jaja", "Komarudin", "Maman", "Nurdin"}
	femaleNames = []string{"Ani", "Siti", "Dewi", "Euis", "Fitri", "Heni", "Imas", "Juju", "Kokom", "Lilis",
		"Nengsih", "Nur", "Oom", "Popon", "Rina", "Sri", "Tuti", "Umi", "Wati", "Yanti",
		"Aisyah", "Dede", "Eneng", "Hasanah", "Ika", "Marsinah", "Neneng", "Rohayati", "Sumiati", "Yuyun"}
	familyNames = []string{"Hidayat", "Suryana", "Permana", "Saputra", "Rohman", "Syarif", "Maulana", "Hermawan",
		"Setiawan", "Kurniawan", "Sulaeman", "Gunawan", "Firmansyah", "Nurhasan", "Jamaludin", "Hakim",
		"Sudrajat", "Mulyana", "Ramdani", "Wahyudi", "Supriatna", "Fauzi", "Iskandar", "Kusnadi"}

	puOccupations  = []string{"KARYAWAN SWASTA", "OPERATOR PABRIK", "TEKNISI", "STAF ADMINISTRASI", "BURUH PABRIK", "SATPAM", "PENGEMUDI", "PERAWAT"}
	bpuOccupations = []string{"PEDAGANG", "PETANI", "NELAYAN", "OJEK PANGKALAN", "JURU PARKIR", "BURUH SERABUTAN", "PENJAHIT", "MARBOT", "PELAKU UMKM", "SOPIR ANGKOT"}
)

// categorySpec is a city-funded category at scale 1 (the 2024 counts of
// DOMAIN.md), with its agency, its occupation text and its funding window.
type categorySpec struct {
	category   string
	count      int
	agency     string
	occupation string
	adhoc      bool // election ad-hoc staff: funded 2024-01 to 2024-06 only
}

var categories = []categorySpec{
	{"RT_RW", 1528, "Bagian Tata Pemerintahan Setda", "KETUA RT/RW", false},
	{"KADER", 2650, "Dinas Kesehatan", "KADER KESEHATAN", false},
	{"ADHOC_KPU", 11658, "KPU Kota Cilegon", "PETUGAS AD HOC PEMILU", true},
	{"ADHOC_BAWASLU", 1363, "Bawaslu Kota Cilegon", "PENGAWAS AD HOC PEMILU", true},
	{"NELAYAN", 332, "Dinas Ketahanan Pangan dan Pertanian", "NELAYAN", false},
	{"KEBERSIHAN_DLH", 61, "Dinas Lingkungan Hidup", "PETUGAS KEBERSIHAN", false},
	{"LINMAS", 1593, "Satpol PP", "ANGGOTA LINMAS", false},
}

// Other Banten cities whose NIKs appear among Cilegon's residents.
var otherKecamatan = []string{"360401", "360402", "360101", "367301", "367302", "360301"}
